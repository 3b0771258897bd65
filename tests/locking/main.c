/* The migrating CLI over the notx fixture of tests/locking. */
#include "notx_migrations.h"

int main(int argc, char **argv)
{
    return migrator_main(argc, argv, &notx_migrations);
}
