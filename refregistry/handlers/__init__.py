"""One module per resource; each handler gets a request whose context the guard built."""
