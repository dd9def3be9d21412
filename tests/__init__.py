"""Tests for the OpenClaw integration and its client library."""
