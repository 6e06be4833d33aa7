"""Text: normalising, analysing and cutting article text into passages and sentences."""
