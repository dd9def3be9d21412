import { css } from "lit";

// Only Home Assistant's theme variables (light and dark follow the user's theme); fallbacks
// for a bare page. Fluid down to a 320 px wide phone.
export const cardStyles = css`
  :host {
    display: block;
  }
  ha-card {
    display: flex;
    flex-direction: column;
    overflow: hidden;
    height: 100%;
  }
  header {
    display: flex;
    align-items: center;
    gap: 8px;
    padding: 12px 16px 8px;
    min-width: 0;
  }
  .title {
    flex: 1;
    min-width: 0;
    font-size: var(--ha-card-header-font-size, 1.25rem);
    color: var(--ha-card-header-color, var(--primary-text-color));
    white-space: nowrap;
    overflow: hidden;
    text-overflow: ellipsis;
  }
  .state {
    display: inline-flex;
    align-items: center;
    gap: 6px;
    flex: none;
    font-size: 0.8125rem;
    color: var(--secondary-text-color);
  }
  .dot {
    width: 8px;
    height: 8px;
    border-radius: 50%;
    background: var(--disabled-text-color, #bdbdbd);
  }
  .state[data-state="running"] .dot {
    background: var(--primary-color);
    animation: pulse 1.2s ease-in-out infinite;
  }
  .state[data-state="error"] .dot,
  .state[data-state="disconnected"] .dot {
    background: var(--error-color, #db4437);
  }
  .state[data-state="aborted"] .dot {
    background: var(--warning-color, #ffa600);
  }
  @keyframes pulse {
    50% {
      opacity: 0.3;
    }
  }
  .transcript {
    flex: 1 1 auto;
    min-height: 120px;
    overflow-y: auto;
    overscroll-behavior: contain;
    padding: 4px 12px 8px;
    display: flex;
    flex-direction: column;
    gap: 8px;
  }
  .notice {
    align-self: center;
    color: var(--secondary-text-color);
    font-size: 0.875rem;
    padding: 8px;
  }
  .row {
    display: flex;
    flex-direction: column;
    max-width: 85%;
    min-width: 0;
  }
  .row.user {
    align-self: flex-end;
    align-items: flex-end;
  }
  .row.assistant {
    align-self: flex-start;
  }
  .bubble {
    padding: 8px 12px;
    border-radius: 16px;
    line-height: 1.4;
    overflow-wrap: anywhere;
    min-width: 0;
    max-width: 100%;
    box-sizing: border-box;
  }
  .user .bubble {
    background: var(--primary-color);
    color: var(--text-primary-color, #fff);
    border-bottom-right-radius: 4px;
    white-space: pre-wrap;
  }
  .assistant .bubble {
    background: var(--secondary-background-color, #f0f0f0);
    color: var(--primary-text-color);
    border-bottom-left-radius: 4px;
  }
  .pending .bubble {
    opacity: 0.7;
  }
  .plain {
    white-space: pre-wrap;
  }
  ha-markdown {
    display: block;
  }
  .meta {
    font-size: 0.75rem;
    color: var(--secondary-text-color);
    padding: 2px 6px 0;
  }
  .meta svg {
    width: 14px;
    height: 14px;
    fill: currentColor;
    vertical-align: -2px;
  }
  .meta.error {
    color: var(--error-color, #db4437);
  }
  .typing::after {
    content: "▍";
    animation: pulse 1s steps(1) infinite;
  }
  .error-banner {
    display: flex;
    align-items: center;
    gap: 8px;
    margin: 0 12px 8px;
    padding: 8px 12px;
    border-radius: 8px;
    background: rgba(var(--rgb-error-color, 219, 68, 55), 0.12);
    color: var(--error-color, #db4437);
    font-size: 0.875rem;
  }
  .error-banner span {
    flex: 1;
    overflow-wrap: anywhere;
  }
  .attachments {
    display: flex;
    flex-wrap: wrap;
    gap: 8px;
    padding: 0 12px 8px;
  }
  .thumb {
    position: relative;
  }
  .thumb img {
    width: 56px;
    height: 56px;
    object-fit: cover;
    border-radius: 8px;
    display: block;
  }
  .thumb button {
    position: absolute;
    top: -6px;
    right: -6px;
    width: 22px;
    height: 22px;
    padding: 0;
    border-radius: 50%;
    font-size: 14px;
    line-height: 20px;
  }
  form {
    display: flex;
    align-items: flex-end;
    gap: 6px;
    padding: 8px 8px 12px 12px;
    border-top: 1px solid var(--divider-color, rgba(0, 0, 0, 0.12));
  }
  textarea {
    flex: 1;
    min-width: 0;
    resize: none;
    box-sizing: border-box;
    max-height: 8em;
    padding: 9px 12px;
    font: inherit;
    font-size: 1rem;
    color: var(--primary-text-color);
    background: var(--card-background-color, var(--primary-background-color, #fff));
    border: 1px solid var(--divider-color, rgba(0, 0, 0, 0.24));
    border-radius: 20px;
    outline: none;
  }
  textarea:focus {
    border-color: var(--primary-color);
  }
  button {
    flex: none;
    cursor: pointer;
    border: none;
    color: var(--primary-text-color);
    background: var(--secondary-background-color, #e0e0e0);
    font: inherit;
  }
  button:disabled {
    cursor: default;
    opacity: 0.4;
  }
  .icon {
    width: 40px;
    height: 40px;
    border-radius: 50%;
    display: inline-flex;
    align-items: center;
    justify-content: center;
    padding: 0;
  }
  .icon svg {
    width: 22px;
    height: 22px;
    fill: currentColor;
  }
  .send {
    background: var(--primary-color);
    color: var(--text-primary-color, #fff);
  }
  .stop {
    background: var(--error-color, #db4437);
    color: var(--text-primary-color, #fff);
  }
  .plain-button {
    background: none;
    color: inherit;
    padding: 4px;
  }
  input[type="file"] {
    display: none;
  }
`;
