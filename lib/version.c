/* version.c - the version of the library actually loaded. */
#include "electra.h"

ELECTRA_API const char *electra_version_string(void)
{
    return ELECTRA_VERSION_STRING;
}

ELECTRA_API int electra_version_number(void)
{
    return ELECTRA_VERSION_NUMBER;
}
