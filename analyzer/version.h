/* version.h -- sigtrail's version, recorded with every ingest. */
#ifndef ST_VERSION_H
#define ST_VERSION_H
#define SIGTRAIL_VERSION "0.1.0"
#endif
