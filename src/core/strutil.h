/* Small string helpers shared by the text readers of the library (config
 * files, text tables, sweep value lists). Internal: not part of the public
 * API. */
#ifndef DNNCRIT_STRUTIL_H
#define DNNCRIT_STRUTIL_H

/* s without its leading and trailing white space: returns a pointer into s
 * past the leading space and writes '\0' over the trailing space. */
char *dnc_trim(char *s);

#endif
