"""The machinery every dataset builder shares: the Build object, DBpedia helpers, place rules."""
