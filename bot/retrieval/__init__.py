"""Grounded answers for the long tail: passages of the department's knowledge, a search
index over them, and (optionally) a language model that answers only from them."""
