"""Evidence: classification of source records into the threat taxonomy, de-duplication across sources."""
