"""Working groups: the network's thematic groups and the cities that take part in them."""
