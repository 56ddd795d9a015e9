"""Just enough of nose for PyNN 0.10.1's system scenarios (nose does not import
on Python 3.11). Written for spikeserve's scenario runner."""
