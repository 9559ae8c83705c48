"""``distillguard bench``: the pipeline's speed and footprint, measured on the real broker."""
