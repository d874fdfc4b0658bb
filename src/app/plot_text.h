/* Text for gnuplot scripts (internal to the app layer): a growing string
 * and gnuplot's single-quoted strings. */
#ifndef DNNCRIT_APP_PLOT_TEXT_H
#define DNNCRIT_APP_PLOT_TEXT_H

#include <stdbool.h>
#include <stddef.h>

/* A growing string; on allocation failure `failed` is set and appends stop. */
typedef struct {
    char *s;
    size_t len, cap;
    bool failed;
} dnc_strbuf;

void dnc_sb_append(dnc_strbuf *b, const char *text, size_t n);
void dnc_sb_puts(dnc_strbuf *b, const char *text);
__attribute__((format(printf, 2, 3))) void dnc_sb_printf(dnc_strbuf *b, const char *fmt, ...);
/* A gnuplot single-quoted string: ' becomes U+2019, control characters
 * are dropped. */
void dnc_sb_quoted(dnc_strbuf *b, const char *text);

#endif
