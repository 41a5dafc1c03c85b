"""Readers for the field's formats, turning files into core records batch by batch, with per-row errors."""
