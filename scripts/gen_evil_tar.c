/*
 * gen_evil_tar.c -- writes crafted archives for the archive tests, with
 * libarchive's writer, so the tests need neither zip nor xz nor bzip2 on
 * the machine (a fresh Debian has tar and gzip only) and can hold entries
 * that ordinary tools refuse to make.
 *
 * usage: gen_evil_tar OUT FORMAT ENTRY...
 *   FORMAT  tar | tar.gz | tar.xz | tar.bz2 | zip
 *   ENTRY   NAME=@FILE        a regular file with FILE's bytes
 *           NAME=zeros:SIZE   SIZE zero bytes (suffix K, M or G: an
 *                             archive bomb when SIZE is large)
 *           NAME->TARGET      a symbolic link
 *           NAME=>TARGET      a hard link
 *           NAME/             a directory
 *           tree:PREFIX=DIR   every file under DIR, sorted, named
 *                             PREFIX/relative/path
 * NAME is written as given: "../x" and "/abs" stay as they are.  Times and
 * owners are fixed, so the output depends only on the arguments.
 */
#include <archive.h>
#include <archive_entry.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define MTIME 1795197785          /* 2026-11-20 18:03:05Z */
#define BLOCK (1024 * 1024)

static unsigned char buf[BLOCK];

/* Prints the archive error and returns 1 (the exit status). */
static int fail(struct archive *a, const char *what)
{
    fprintf(stderr, "gen_evil_tar: %s: %s\n", what,
            a ? archive_error_string(a) : strerror(errno));
    return 1;
}

/* A new entry with the fixed owner and time. */
static struct archive_entry *entry(const char *name, mode_t type,
                                   int64_t size)
{
    struct archive_entry *e = archive_entry_new();
    archive_entry_set_pathname(e, name);
    archive_entry_set_filetype(e, type);
    archive_entry_set_perm(e, type == AE_IFDIR ? 0755 : 0644);
    archive_entry_set_size(e, size);
    archive_entry_set_mtime(e, MTIME, 0);
    archive_entry_set_uid(e, 0);
    archive_entry_set_gid(e, 0);
    return e;
}

/* Writes a file's bytes as entry `name`; returns 0 or 1. */
static int add_file(struct archive *a, const char *name, const char *path)
{
    int fd = open(path, O_RDONLY);
    struct stat sb;
    if (fd < 0 || fstat(fd, &sb) < 0)
        return fail(NULL, path);
    struct archive_entry *e = entry(name, AE_IFREG, sb.st_size);
    int rc = archive_write_header(a, e) != ARCHIVE_OK;
    archive_entry_free(e);
    ssize_t k;
    while (!rc && (k = read(fd, buf, sizeof buf)) > 0)
        rc = archive_write_data(a, buf, (size_t)k) != k;
    close(fd);
    return rc ? fail(a, name) : 0;
}

/* Writes `size` zero bytes as entry `name`. */
static int add_zeros(struct archive *a, const char *name, const char *spec)
{
    char *end;
    double v = strtod(spec, &end);
    double m = *end == 'K' ? 1024.0 : *end == 'M' ? 1048576.0
             : *end == 'G' ? 1073741824.0 : 1.0;
    int64_t size = (int64_t)(v * m);
    struct archive_entry *e = entry(name, AE_IFREG, size);
    int rc = archive_write_header(a, e) != ARCHIVE_OK;
    archive_entry_free(e);
    memset(buf, 0, sizeof buf);
    for (int64_t left = size; !rc && left > 0;) {
        size_t k = left < BLOCK ? (size_t)left : BLOCK;
        rc = archive_write_data(a, buf, k) != (la_ssize_t)k;
        left -= (int64_t)k;
    }
    return rc ? fail(a, name) : 0;
}

/* Writes a symbolic or hard link. */
static int add_link(struct archive *a, const char *name, const char *target,
                    int hard)
{
    struct archive_entry *e = entry(name, hard ? AE_IFREG : AE_IFLNK, 0);
    if (hard)
        archive_entry_set_hardlink(e, target);
    else
        archive_entry_set_symlink(e, target);
    int rc = archive_write_header(a, e) != ARCHIVE_OK;
    archive_entry_free(e);
    return rc ? fail(a, name) : 0;
}

/* Bytewise order for the tree walk. */
static int cmp(const void *x, const void *y)
{
    return strcmp(*(char *const *)x, *(char *const *)y);
}

/* Adds every file under dir as prefix/relative (sorted, recursive). */
static int add_tree(struct archive *a, const char *prefix, const char *dir)
{
    DIR *d = opendir(dir);
    if (!d)
        return fail(NULL, dir);
    char **names = NULL;
    size_t n = 0;
    struct dirent *de;
    while ((de = readdir(d)) != NULL) {
        if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
            continue;
        names = realloc(names, (n + 1) * sizeof *names);
        names[n++] = strdup(de->d_name);
    }
    closedir(d);
    if (n)
        qsort(names, n, sizeof *names, cmp);
    int rc = 0;
    for (size_t i = 0; i < n; i++) {
        char path[4096], name[4096];
        snprintf(path, sizeof path, "%s/%s", dir, names[i]);
        snprintf(name, sizeof name, "%s/%s", prefix, names[i]);
        struct stat sb;
        if (!rc && lstat(path, &sb) == 0) {
            if (S_ISDIR(sb.st_mode))
                rc = add_tree(a, name, path);
            else if (S_ISREG(sb.st_mode))
                rc = add_file(a, name, path);
        }
        free(names[i]);
    }
    free(names);
    return rc;
}

/* Sets the format and compression from "tar.xz" and the like. */
static int set_format(struct archive *a, const char *f)
{
    if (!strcmp(f, "zip"))
        return archive_write_set_format_zip(a);
    if (strncmp(f, "tar", 3) != 0)
        return ARCHIVE_FATAL;
    archive_write_set_format_pax_restricted(a);
    const char *c = f + 3;
    if (!*c)
        return archive_write_add_filter_none(a);
    if (!strcmp(c, ".gz"))
        return archive_write_add_filter_gzip(a);
    if (!strcmp(c, ".bz2"))
        return archive_write_add_filter_bzip2(a);
    if (!strcmp(c, ".xz")) {
        int r = archive_write_add_filter_xz(a);
        /* level 1: a bomb of zeros is written in a second, not a minute */
        if (r == ARCHIVE_OK)
            archive_write_set_filter_option(a, "xz", "compression-level",
                                            "1");
        return r;
    }
    return ARCHIVE_FATAL;
}

/* Writes the archive the arguments describe; exit 0, 1 on a write error,
 * 2 on a usage error. */
int main(int argc, char **argv)
{
    if (argc < 3) {
        fprintf(stderr, "usage: gen_evil_tar OUT tar|tar.gz|tar.xz|tar.bz2|"
                        "zip ENTRY...\n");
        return 2;
    }
    struct archive *a = archive_write_new();
    if (set_format(a, argv[2]) != ARCHIVE_OK)
        return fail(a, argv[2]);
    if (archive_write_open_filename(a, argv[1]) != ARCHIVE_OK)
        return fail(a, argv[1]);
    int rc = 0;
    for (int i = 3; i < argc && !rc; i++) {
        char *s = strdup(argv[i]), *p;
        size_t l = strlen(s);
        if (!strncmp(s, "tree:", 5) && (p = strchr(s, '=')) != NULL) {
            *p = 0;
            rc = add_tree(a, s + 5, p + 1);
        } else if ((p = strstr(s, "->")) != NULL) {
            *p = 0;
            rc = add_link(a, s, p + 2, 0);
        } else if ((p = strstr(s, "=>")) != NULL) {
            *p = 0;
            rc = add_link(a, s, p + 2, 1);
        } else if ((p = strstr(s, "=zeros:")) != NULL) {
            *p = 0;
            rc = add_zeros(a, s, p + 7);
        } else if ((p = strstr(s, "=@")) != NULL) {
            *p = 0;
            rc = add_file(a, s, p + 2);
        } else if (l && s[l - 1] == '/') {
            struct archive_entry *e = entry(s, AE_IFDIR, 0);
            rc = archive_write_header(a, e) != ARCHIVE_OK ? fail(a, s) : 0;
            archive_entry_free(e);
        } else {
            fprintf(stderr, "gen_evil_tar: cannot read entry '%s'\n", s);
            rc = 2;
        }
        free(s);
    }
    if (archive_write_close(a) != ARCHIVE_OK && !rc)
        rc = fail(a, "close");
    archive_write_free(a);
    return rc;
}
