"""Training problems: what the loop optimises and how the critics are read out."""
