// Pictures picked on a phone are often 4-12 MB; the card scales them down before sending, so
// they fit in one websocket message (Home Assistant takes up to 4 MiB) and the model's input.

export const MAX_IMAGE_SIDE = 1600;
export const JPEG_QUALITY = 0.85;
export const MAX_IMAGES = 4;
// Home Assistant closes a websocket whose message passes 4 MiB: the pictures of one message
// (base64) stay well below that.
export const MAX_MESSAGE_IMAGE_CHARS = 3_000_000;
// Small enough pictures in a format the gateway takes are sent untouched (keeps GIFs moving).
const KEEP_AS_IS_BYTES = 600_000;
const SENDABLE = ["image/png", "image/jpeg", "image/gif", "image/webp"];

/** Width and height scaled to fit within `max` on both sides (never enlarged). */
export function fitWithin(width, height, max = MAX_IMAGE_SIDE) {
  const scale = Math.min(1, max / Math.max(width, height, 1));
  return {
    width: Math.max(1, Math.round(width * scale)),
    height: Math.max(1, Math.round(height * scale)),
  };
}

/** True when these attachments ({content}) fit in one message together. */
export function attachmentsFit(images, limit = MAX_MESSAGE_IMAGE_CHARS) {
  return images.reduce((sum, image) => sum + image.content.length, 0) <= limit;
}

/** True when a picked file can go as it is. */
export function keepAsIs(type, size, width, height, max = MAX_IMAGE_SIDE) {
  return SENDABLE.includes(type) && size <= KEEP_AS_IS_BYTES && Math.max(width, height) <= max;
}

function readDataUrl(blob) {
  return new Promise((resolve, reject) => {
    const reader = new FileReader();
    reader.onload = () => resolve(reader.result);
    reader.onerror = () => reject(reader.error);
    reader.readAsDataURL(blob);
  });
}

/** An attachment for openclaw/chat/send: {content: data URL, mime_type, file_name, preview}. */
export async function imageAttachment(file) {
  const bitmap = await createImageBitmap(file);
  try {
    if (keepAsIs(file.type, file.size, bitmap.width, bitmap.height)) {
      const content = await readDataUrl(file);
      return { content, mime_type: file.type, file_name: file.name, preview: content };
    }
    const { width, height } = fitWithin(bitmap.width, bitmap.height);
    const canvas = document.createElement("canvas");
    canvas.width = width;
    canvas.height = height;
    canvas.getContext("2d").drawImage(bitmap, 0, 0, width, height);
    const blob = await new Promise((resolve) =>
      canvas.toBlob(resolve, "image/jpeg", JPEG_QUALITY),
    );
    const content = await readDataUrl(blob);
    const name = (file.name || "image").replace(/\.[^.]*$/, "") + ".jpg";
    return { content, mime_type: "image/jpeg", file_name: name, preview: content };
  } finally {
    bitmap.close();
  }
}
