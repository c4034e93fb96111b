"""PDF exports drawn with reportlab: lists and sign-in sheets as platypus tables (`tables`),
name badges (`badges`), certificates of attendance (`certificates`); fonts, right-to-left text
and dates in `text`."""
