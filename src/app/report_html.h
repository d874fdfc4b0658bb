/* Pieces of the self-contained HTML pages (internal to the app layer):
 * `dnncrit report` (report.c) and `dnncrit reproduce` (reproduce_run.c). */
#ifndef DNNCRIT_APP_REPORT_HTML_H
#define DNNCRIT_APP_REPORT_HTML_H

#include <stdbool.h>
#include <stdio.h>

/* Text with < > & " ' escaped and control characters (but newline and tab) dropped. */
void dnc_html_text(FILE *fp, const char *s);
/* %.6g, or an en dash for NaN. */
void dnc_html_number(FILE *fp, double v);
/* <!DOCTYPE ...> up to the <h1>"title: subject"</h1> and a line with the time and
 * dnncrit's version; the shared style sheet plus extra_css (may be NULL). */
void dnc_html_head(FILE *fp, const char *title, const char *subject, const char *extra_css);
/* The PNG file at path as an embedded (base64) <figure>; false (nothing
 * written) when it cannot be read. */
bool dnc_html_embed_png(FILE *fp, const char *path, const char *alt);

#endif
