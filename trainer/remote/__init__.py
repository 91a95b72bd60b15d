"""Drivers for training elsewhere: the Vagrant VM (``vm``), an inventory's hosts (``hosts``)."""
