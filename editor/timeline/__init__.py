"""Timeline: timecode ruler, thumbnail strip, playhead, in/out, one lane per object."""
