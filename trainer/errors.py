"""One error type for bad input data, with the message a user needs to fix it."""


class DataError(Exception):
    pass
