"""The staff desk: hand-off queue, conversations, replies to patients, the day's agenda."""
