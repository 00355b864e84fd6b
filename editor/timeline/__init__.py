"""Timeline widgets: ruler, playhead and one lane per object."""
