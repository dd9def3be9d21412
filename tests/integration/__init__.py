"""Home Assistant tests of the OpenClaw integration, against the fake gateway."""
