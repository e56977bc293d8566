# Print an optspec for argparse to handle cmd's options that are independent of any subcommand.
function __fish_pbsh_global_optspecs
    string join \n repository= fingerprint= start-ns= session-keyfile= c= f= h/help V/version
end

function __fish_pbsh_needs_command
    # Figure out if the current invocation already has a command.
    set -l cmd (commandline -opc)
    set -e cmd[1]
    argparse -s (__fish_pbsh_global_optspecs) -- $cmd 2>/dev/null
    or return
    if set -q argv[1]
        # Also print the command, so this can be used to figure out what it is.
        echo $argv[1]
        return 1
    end
    return 0
end

function __fish_pbsh_using_subcommand
    set -l cmd (__fish_pbsh_needs_command)
    test -z "$cmd"
    and return 1
    contains -- $cmd[1] $argv
end

complete -c pbsh -n "__fish_pbsh_needs_command" -l repository -d 'Repository: [[USER@REALM[!TOKEN]@]HOST[:PORT]:]STORE (a bare STORE is on localhost), or a path (/…, ./…, ../…, ~/…, file:PATH): a local datastore directory or a lone .pxar file (default: $XDG_DATA_HOME/pbsh/datastore)' -r -F
complete -c pbsh -n "__fish_pbsh_needs_command" -l fingerprint -d 'Expected SHA-256 fingerprint of the server\'s certificate (or PBS_FINGERPRINT)' -r
complete -c pbsh -n "__fish_pbsh_needs_command" -l start-ns -d 'Start in this namespace' -r
complete -c pbsh -n "__fish_pbsh_needs_command" -l session-keyfile -d 'Key file for encrypted snapshots when browsing (default: the default key, if any)' -r -F
complete -c pbsh -n "__fish_pbsh_needs_command" -s c -d 'Run these commands (separated by `;`) and exit' -r
complete -c pbsh -n "__fish_pbsh_needs_command" -s f -d 'Run the commands in FILE and exit (`#!/usr/bin/env -S pbsh -f` scripts)' -r -F
complete -c pbsh -n "__fish_pbsh_needs_command" -s h -l help -d 'Print help'
complete -c pbsh -n "__fish_pbsh_needs_command" -s V -l version -d 'Print version'
complete -c pbsh -n "__fish_pbsh_needs_command" -f -a "key" -d 'Manage encryption keys (passphrase keys, RSA master keys, paperkeys)'
complete -c pbsh -n "__fish_pbsh_needs_command" -f -a "backup" -d 'Back up directories (NAME.pxar:DIR), images (NAME.img:FILE) and files into a new snapshot'
complete -c pbsh -n "__fish_pbsh_needs_command" -f -a "restore" -d 'Restore an archive of a snapshot to a directory, a file, or `-` for standard output'
complete -c pbsh -n "__fish_pbsh_needs_command" -f -a "list" -d 'List backup groups'
complete -c pbsh -n "__fish_pbsh_needs_command" -f -a "snapshot" -d 'Snapshot management: list, files, forget, protected, notes'
complete -c pbsh -n "__fish_pbsh_needs_command" -f -a "forget" -d 'Remove a snapshot (TYPE/ID/TIME) or a whole group (TYPE/ID)'
complete -c pbsh -n "__fish_pbsh_needs_command" -f -a "protect" -d 'Protect a snapshot from forget and prune'
complete -c pbsh -n "__fish_pbsh_needs_command" -f -a "change-owner" -d 'Give a group to another owner (a user or API token): `change-owner TYPE/ID NEW_OWNER`'
complete -c pbsh -n "__fish_pbsh_needs_command" -f -a "version" -d 'pbsh\'s version and, for a remote repository, the server\'s'
complete -c pbsh -n "__fish_pbsh_needs_command" -f -a "unprotect" -d 'Remove a snapshot\'s protection'
complete -c pbsh -n "__fish_pbsh_needs_command" -f -a "ns" -d 'Namespaces: list, create, delete'
complete -c pbsh -n "__fish_pbsh_needs_command" -f -a "prune" -d 'Remove the snapshots of a group that the --keep-… rules do not keep'
complete -c pbsh -n "__fish_pbsh_needs_command" -f -a "garbage-collect" -d 'Remove chunks no snapshot references (older than the 24 h grace period)'
complete -c pbsh -n "__fish_pbsh_needs_command" -f -a "verify" -d 'Check snapshots: manifests, indexes and every chunk'
complete -c pbsh -n "__fish_pbsh_needs_command" -f -a "status" -d 'Datastore usage and deduplication factor'
complete -c pbsh -n "__fish_pbsh_needs_command" -f -a "datastore" -d 'Create a local datastore directory (`--full` makes all 65,536 chunk directories, as PBS does)'
complete -c pbsh -n "__fish_pbsh_needs_command" -f -a "catalog" -d 'The catalog of a snapshot: `catalog dump SNAPSHOT`'
complete -c pbsh -n "__fish_pbsh_needs_command" -f -a "bench" -d 'Measure this machine\'s hashing, compression, encryption, chunking and pipeline speed'
complete -c pbsh -n "__fish_pbsh_needs_command" -f -a "mount" -d 'Mount an archive read-only: `mount SNAPSHOT ARCHIVE MOUNTPOINT`; alone: list mounts'
complete -c pbsh -n "__fish_pbsh_needs_command" -f -a "umount" -d 'Unmount a mount of this session'
complete -c pbsh -n "__fish_pbsh_needs_command" -f -a "map" -d 'Map an image as a file: `map SNAPSHOT IMAGE.img [MOUNTDIR]`; alone: list maps'
complete -c pbsh -n "__fish_pbsh_needs_command" -f -a "unmap" -d 'Unmap an image mapped by this session (by its mount directory)'
complete -c pbsh -n "__fish_pbsh_needs_command" -f -a "pwd" -d 'Print the current location in the tree'
complete -c pbsh -n "__fish_pbsh_needs_command" -f -a "cd" -d 'Change directory in the tree (`..`, `~`, `-`, globs; see `help paths`)'
complete -c pbsh -n "__fish_pbsh_needs_command" -f -a "ls" -d 'List a directory of the tree: datastores, namespaces, groups, snapshots, archives, files'
complete -c pbsh -n "__fish_pbsh_needs_command" -f -a "tree" -d 'Show a subtree'
complete -c pbsh -n "__fish_pbsh_needs_command" -f -a "stat" -d 'Show everything known about a node'
complete -c pbsh -n "__fish_pbsh_needs_command" -f -a "find" -d 'Find files inside archives by name or path glob; at a group, across every snapshot'
complete -c pbsh -n "__fish_pbsh_needs_command" -f -a "diff" -d 'Added, removed and changed files between two snapshots (from their catalogs)'
complete -c pbsh -n "__fish_pbsh_needs_command" -f -a "cat" -d 'Print files from archives (or image, blob and catalog archives) to standard output'
complete -c pbsh -n "__fish_pbsh_needs_command" -f -a "get" -d 'Copy files or directories out of archives to a local path, with their metadata'
complete -c pbsh -n "__fish_pbsh_needs_command" -f -a "notes" -d 'Show a snapshot\'s notes, or set them with --set'
complete -c pbsh -n "__fish_pbsh_needs_command" -f -a "select" -d 'Add paths inside archives to the selection'
complete -c pbsh -n "__fish_pbsh_needs_command" -f -a "deselect" -d 'Remove paths from the selection'
complete -c pbsh -n "__fish_pbsh_needs_command" -f -a "clear-selected" -d 'Empty the selection'
complete -c pbsh -n "__fish_pbsh_needs_command" -f -a "list-selected" -d 'List the selection: the paths selected and what selected patterns match'
complete -c pbsh -n "__fish_pbsh_needs_command" -f -a "restore-selected" -d 'Restore everything selected into a local directory'
complete -c pbsh -n "__fish_pbsh_needs_command" -f -a "history" -d 'Without PATH: the command history. With PATH: every version of a file across its group'
complete -c pbsh -n "__fish_pbsh_needs_command" -f -a "open" -d 'Open another repository in this session: HOST:STORE (a bare STORE is on localhost), a local datastore path (/…, ./…, ../…, ~/…, file:PATH) or a lone .pxar file (read-only)'
complete -c pbsh -n "__fish_pbsh_needs_command" -f -a "close" -d 'Close the repository and go back to the default local datastore'
complete -c pbsh -n "__fish_pbsh_needs_command" -f -a "set" -d 'Session settings: `set -e off` (keep going after errors), `set keyfile PATH`, `set color off`'
complete -c pbsh -n "__fish_pbsh_needs_command" -f -a "login" -d 'Log in to a remote repository (local datastores need none)'
complete -c pbsh -n "__fish_pbsh_needs_command" -f -a "logout" -d 'Forget the remote ticket'
complete -c pbsh -n "__fish_pbsh_needs_command" -f -a "task" -d 'Server tasks: `task list`, `task log UPID [--follow]`, `task stop UPID`'
complete -c pbsh -n "__fish_pbsh_needs_command" -f -a "lcd" -d 'Change the local working directory'
complete -c pbsh -n "__fish_pbsh_needs_command" -f -a "lpwd" -d 'Print the local working directory'
complete -c pbsh -n "__fish_pbsh_needs_command" -f -a "lls" -d 'List local files (runs ls)'
complete -c pbsh -n "__fish_pbsh_needs_command" -f -a "completion" -d 'Print the completion script of the one-shot command line for bash, zsh or fish'
complete -c pbsh -n "__fish_pbsh_needs_command" -f -a "exit" -d 'Leave the shell'
complete -c pbsh -n "__fish_pbsh_needs_command" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c pbsh -n "__fish_pbsh_using_subcommand key; and not __fish_seen_subcommand_from create create-master-key import-with-master-key change-passphrase show paperkey show-master-pubkey import-master-pubkey help" -l repository -d 'Repository: [[USER@REALM[!TOKEN]@]HOST[:PORT]:]STORE (a bare STORE is on localhost), or a path (/…, ./…, ../…, ~/…, file:PATH): a local datastore directory or a lone .pxar file (default: $XDG_DATA_HOME/pbsh/datastore)' -r -F
complete -c pbsh -n "__fish_pbsh_using_subcommand key; and not __fish_seen_subcommand_from create create-master-key import-with-master-key change-passphrase show paperkey show-master-pubkey import-master-pubkey help" -l fingerprint -d 'Expected SHA-256 fingerprint of the server\'s certificate (or PBS_FINGERPRINT)' -r
complete -c pbsh -n "__fish_pbsh_using_subcommand key; and not __fish_seen_subcommand_from create create-master-key import-with-master-key change-passphrase show paperkey show-master-pubkey import-master-pubkey help" -l start-ns -d 'Start in this namespace' -r
complete -c pbsh -n "__fish_pbsh_using_subcommand key; and not __fish_seen_subcommand_from create create-master-key import-with-master-key change-passphrase show paperkey show-master-pubkey import-master-pubkey help" -l session-keyfile -d 'Key file for encrypted snapshots when browsing (default: the default key, if any)' -r -F
complete -c pbsh -n "__fish_pbsh_using_subcommand key; and not __fish_seen_subcommand_from create create-master-key import-with-master-key change-passphrase show paperkey show-master-pubkey import-master-pubkey help" -s h -l help -d 'Print help'
complete -c pbsh -n "__fish_pbsh_using_subcommand key; and not __fish_seen_subcommand_from create create-master-key import-with-master-key change-passphrase show paperkey show-master-pubkey import-master-pubkey help" -f -a "create" -d 'Create a new encryption key (default: ~/.config/proxmox-backup/encryption-key.json)'
complete -c pbsh -n "__fish_pbsh_using_subcommand key; and not __fish_seen_subcommand_from create create-master-key import-with-master-key change-passphrase show paperkey show-master-pubkey import-master-pubkey help" -f -a "create-master-key" -d 'Create an RSA master key pair (master-public.pem, master-private.pem) in the current directory'
complete -c pbsh -n "__fish_pbsh_using_subcommand key; and not __fish_seen_subcommand_from create create-master-key import-with-master-key change-passphrase show paperkey show-master-pubkey import-master-pubkey help" -f -a "import-with-master-key" -d 'Import an encryption key recovered with the RSA master private key: `[PATH] --encrypted-keyfile FILE --master-keyfile PEM` (as PBS), or `MASTER_KEYFILE ENCRYPTED_KEYFILE [PATH]`'
complete -c pbsh -n "__fish_pbsh_using_subcommand key; and not __fish_seen_subcommand_from create create-master-key import-with-master-key change-passphrase show paperkey show-master-pubkey import-master-pubkey help" -f -a "change-passphrase" -d 'Change the passphrase (and KDF) of a key file'
complete -c pbsh -n "__fish_pbsh_using_subcommand key; and not __fish_seen_subcommand_from create create-master-key import-with-master-key change-passphrase show paperkey show-master-pubkey import-master-pubkey help" -f -a "show" -d 'Show a key file\'s metadata (no passphrase needed)'
complete -c pbsh -n "__fish_pbsh_using_subcommand key; and not __fish_seen_subcommand_from create create-master-key import-with-master-key change-passphrase show paperkey show-master-pubkey import-master-pubkey help" -f -a "paperkey" -d 'Print a key file or master private key for paper backup'
complete -c pbsh -n "__fish_pbsh_using_subcommand key; and not __fish_seen_subcommand_from create create-master-key import-with-master-key change-passphrase show paperkey show-master-pubkey import-master-pubkey help" -f -a "show-master-pubkey" -d 'Show the RSA master public key\'s modulus, exponent and length'
complete -c pbsh -n "__fish_pbsh_using_subcommand key; and not __fish_seen_subcommand_from create create-master-key import-with-master-key change-passphrase show paperkey show-master-pubkey import-master-pubkey help" -f -a "import-master-pubkey" -d 'Install a master public key as the default one'
complete -c pbsh -n "__fish_pbsh_using_subcommand key; and not __fish_seen_subcommand_from create create-master-key import-with-master-key change-passphrase show paperkey show-master-pubkey import-master-pubkey help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c pbsh -n "__fish_pbsh_using_subcommand key; and __fish_seen_subcommand_from create" -l kdf -r -f -a "none\t''
scrypt\t''
pbkdf2\t''"
complete -c pbsh -n "__fish_pbsh_using_subcommand key; and __fish_seen_subcommand_from create" -l hint -d 'Password hint stored in the key file' -r
complete -c pbsh -n "__fish_pbsh_using_subcommand key; and __fish_seen_subcommand_from create" -l repository -d 'Repository: [[USER@REALM[!TOKEN]@]HOST[:PORT]:]STORE (a bare STORE is on localhost), or a path (/…, ./…, ../…, ~/…, file:PATH): a local datastore directory or a lone .pxar file (default: $XDG_DATA_HOME/pbsh/datastore)' -r -F
complete -c pbsh -n "__fish_pbsh_using_subcommand key; and __fish_seen_subcommand_from create" -l fingerprint -d 'Expected SHA-256 fingerprint of the server\'s certificate (or PBS_FINGERPRINT)' -r
complete -c pbsh -n "__fish_pbsh_using_subcommand key; and __fish_seen_subcommand_from create" -l start-ns -d 'Start in this namespace' -r
complete -c pbsh -n "__fish_pbsh_using_subcommand key; and __fish_seen_subcommand_from create" -l session-keyfile -d 'Key file for encrypted snapshots when browsing (default: the default key, if any)' -r -F
complete -c pbsh -n "__fish_pbsh_using_subcommand key; and __fish_seen_subcommand_from create" -s h -l help -d 'Print help'
complete -c pbsh -n "__fish_pbsh_using_subcommand key; and __fish_seen_subcommand_from create-master-key" -l repository -d 'Repository: [[USER@REALM[!TOKEN]@]HOST[:PORT]:]STORE (a bare STORE is on localhost), or a path (/…, ./…, ../…, ~/…, file:PATH): a local datastore directory or a lone .pxar file (default: $XDG_DATA_HOME/pbsh/datastore)' -r -F
complete -c pbsh -n "__fish_pbsh_using_subcommand key; and __fish_seen_subcommand_from create-master-key" -l fingerprint -d 'Expected SHA-256 fingerprint of the server\'s certificate (or PBS_FINGERPRINT)' -r
complete -c pbsh -n "__fish_pbsh_using_subcommand key; and __fish_seen_subcommand_from create-master-key" -l start-ns -d 'Start in this namespace' -r
complete -c pbsh -n "__fish_pbsh_using_subcommand key; and __fish_seen_subcommand_from create-master-key" -l session-keyfile -d 'Key file for encrypted snapshots when browsing (default: the default key, if any)' -r -F
complete -c pbsh -n "__fish_pbsh_using_subcommand key; and __fish_seen_subcommand_from create-master-key" -s h -l help -d 'Print help'
complete -c pbsh -n "__fish_pbsh_using_subcommand key; and __fish_seen_subcommand_from import-with-master-key" -l encrypted-keyfile -d 'rsa-encrypted.key.blob (or its raw RSA ciphertext)' -r -F
complete -c pbsh -n "__fish_pbsh_using_subcommand key; and __fish_seen_subcommand_from import-with-master-key" -l master-keyfile -d 'The master private key (PEM)' -r -F
complete -c pbsh -n "__fish_pbsh_using_subcommand key; and __fish_seen_subcommand_from import-with-master-key" -l kdf -r -f -a "none\t''
scrypt\t''
pbkdf2\t''"
complete -c pbsh -n "__fish_pbsh_using_subcommand key; and __fish_seen_subcommand_from import-with-master-key" -l hint -r
complete -c pbsh -n "__fish_pbsh_using_subcommand key; and __fish_seen_subcommand_from import-with-master-key" -l repository -d 'Repository: [[USER@REALM[!TOKEN]@]HOST[:PORT]:]STORE (a bare STORE is on localhost), or a path (/…, ./…, ../…, ~/…, file:PATH): a local datastore directory or a lone .pxar file (default: $XDG_DATA_HOME/pbsh/datastore)' -r -F
complete -c pbsh -n "__fish_pbsh_using_subcommand key; and __fish_seen_subcommand_from import-with-master-key" -l fingerprint -d 'Expected SHA-256 fingerprint of the server\'s certificate (or PBS_FINGERPRINT)' -r
complete -c pbsh -n "__fish_pbsh_using_subcommand key; and __fish_seen_subcommand_from import-with-master-key" -l start-ns -d 'Start in this namespace' -r
complete -c pbsh -n "__fish_pbsh_using_subcommand key; and __fish_seen_subcommand_from import-with-master-key" -l session-keyfile -d 'Key file for encrypted snapshots when browsing (default: the default key, if any)' -r -F
complete -c pbsh -n "__fish_pbsh_using_subcommand key; and __fish_seen_subcommand_from import-with-master-key" -s h -l help -d 'Print help'
complete -c pbsh -n "__fish_pbsh_using_subcommand key; and __fish_seen_subcommand_from change-passphrase" -l kdf -r -f -a "none\t''
scrypt\t''
pbkdf2\t''"
complete -c pbsh -n "__fish_pbsh_using_subcommand key; and __fish_seen_subcommand_from change-passphrase" -l hint -r
complete -c pbsh -n "__fish_pbsh_using_subcommand key; and __fish_seen_subcommand_from change-passphrase" -l repository -d 'Repository: [[USER@REALM[!TOKEN]@]HOST[:PORT]:]STORE (a bare STORE is on localhost), or a path (/…, ./…, ../…, ~/…, file:PATH): a local datastore directory or a lone .pxar file (default: $XDG_DATA_HOME/pbsh/datastore)' -r -F
complete -c pbsh -n "__fish_pbsh_using_subcommand key; and __fish_seen_subcommand_from change-passphrase" -l fingerprint -d 'Expected SHA-256 fingerprint of the server\'s certificate (or PBS_FINGERPRINT)' -r
complete -c pbsh -n "__fish_pbsh_using_subcommand key; and __fish_seen_subcommand_from change-passphrase" -l start-ns -d 'Start in this namespace' -r
complete -c pbsh -n "__fish_pbsh_using_subcommand key; and __fish_seen_subcommand_from change-passphrase" -l session-keyfile -d 'Key file for encrypted snapshots when browsing (default: the default key, if any)' -r -F
complete -c pbsh -n "__fish_pbsh_using_subcommand key; and __fish_seen_subcommand_from change-passphrase" -s h -l help -d 'Print help'
complete -c pbsh -n "__fish_pbsh_using_subcommand key; and __fish_seen_subcommand_from show" -l output-format -r -f -a "text\t''
json\t''
json-pretty\t''"
complete -c pbsh -n "__fish_pbsh_using_subcommand key; and __fish_seen_subcommand_from show" -l repository -d 'Repository: [[USER@REALM[!TOKEN]@]HOST[:PORT]:]STORE (a bare STORE is on localhost), or a path (/…, ./…, ../…, ~/…, file:PATH): a local datastore directory or a lone .pxar file (default: $XDG_DATA_HOME/pbsh/datastore)' -r -F
complete -c pbsh -n "__fish_pbsh_using_subcommand key; and __fish_seen_subcommand_from show" -l fingerprint -d 'Expected SHA-256 fingerprint of the server\'s certificate (or PBS_FINGERPRINT)' -r
complete -c pbsh -n "__fish_pbsh_using_subcommand key; and __fish_seen_subcommand_from show" -l start-ns -d 'Start in this namespace' -r
complete -c pbsh -n "__fish_pbsh_using_subcommand key; and __fish_seen_subcommand_from show" -l session-keyfile -d 'Key file for encrypted snapshots when browsing (default: the default key, if any)' -r -F
complete -c pbsh -n "__fish_pbsh_using_subcommand key; and __fish_seen_subcommand_from show" -s h -l help -d 'Print help'
complete -c pbsh -n "__fish_pbsh_using_subcommand key; and __fish_seen_subcommand_from paperkey" -l subject -d 'Subject line printed above the key' -r
complete -c pbsh -n "__fish_pbsh_using_subcommand key; and __fish_seen_subcommand_from paperkey" -l output-format -r -f -a "html\t''
text\t''"
complete -c pbsh -n "__fish_pbsh_using_subcommand key; and __fish_seen_subcommand_from paperkey" -l repository -d 'Repository: [[USER@REALM[!TOKEN]@]HOST[:PORT]:]STORE (a bare STORE is on localhost), or a path (/…, ./…, ../…, ~/…, file:PATH): a local datastore directory or a lone .pxar file (default: $XDG_DATA_HOME/pbsh/datastore)' -r -F
complete -c pbsh -n "__fish_pbsh_using_subcommand key; and __fish_seen_subcommand_from paperkey" -l fingerprint -d 'Expected SHA-256 fingerprint of the server\'s certificate (or PBS_FINGERPRINT)' -r
complete -c pbsh -n "__fish_pbsh_using_subcommand key; and __fish_seen_subcommand_from paperkey" -l start-ns -d 'Start in this namespace' -r
complete -c pbsh -n "__fish_pbsh_using_subcommand key; and __fish_seen_subcommand_from paperkey" -l session-keyfile -d 'Key file for encrypted snapshots when browsing (default: the default key, if any)' -r -F
complete -c pbsh -n "__fish_pbsh_using_subcommand key; and __fish_seen_subcommand_from paperkey" -s h -l help -d 'Print help'
complete -c pbsh -n "__fish_pbsh_using_subcommand key; and __fish_seen_subcommand_from show-master-pubkey" -l output-format -r -f -a "text\t''
json\t''
json-pretty\t''"
complete -c pbsh -n "__fish_pbsh_using_subcommand key; and __fish_seen_subcommand_from show-master-pubkey" -l repository -d 'Repository: [[USER@REALM[!TOKEN]@]HOST[:PORT]:]STORE (a bare STORE is on localhost), or a path (/…, ./…, ../…, ~/…, file:PATH): a local datastore directory or a lone .pxar file (default: $XDG_DATA_HOME/pbsh/datastore)' -r -F
complete -c pbsh -n "__fish_pbsh_using_subcommand key; and __fish_seen_subcommand_from show-master-pubkey" -l fingerprint -d 'Expected SHA-256 fingerprint of the server\'s certificate (or PBS_FINGERPRINT)' -r
complete -c pbsh -n "__fish_pbsh_using_subcommand key; and __fish_seen_subcommand_from show-master-pubkey" -l start-ns -d 'Start in this namespace' -r
complete -c pbsh -n "__fish_pbsh_using_subcommand key; and __fish_seen_subcommand_from show-master-pubkey" -l session-keyfile -d 'Key file for encrypted snapshots when browsing (default: the default key, if any)' -r -F
complete -c pbsh -n "__fish_pbsh_using_subcommand key; and __fish_seen_subcommand_from show-master-pubkey" -s h -l help -d 'Print help'
complete -c pbsh -n "__fish_pbsh_using_subcommand key; and __fish_seen_subcommand_from import-master-pubkey" -l repository -d 'Repository: [[USER@REALM[!TOKEN]@]HOST[:PORT]:]STORE (a bare STORE is on localhost), or a path (/…, ./…, ../…, ~/…, file:PATH): a local datastore directory or a lone .pxar file (default: $XDG_DATA_HOME/pbsh/datastore)' -r -F
complete -c pbsh -n "__fish_pbsh_using_subcommand key; and __fish_seen_subcommand_from import-master-pubkey" -l fingerprint -d 'Expected SHA-256 fingerprint of the server\'s certificate (or PBS_FINGERPRINT)' -r
complete -c pbsh -n "__fish_pbsh_using_subcommand key; and __fish_seen_subcommand_from import-master-pubkey" -l start-ns -d 'Start in this namespace' -r
complete -c pbsh -n "__fish_pbsh_using_subcommand key; and __fish_seen_subcommand_from import-master-pubkey" -l session-keyfile -d 'Key file for encrypted snapshots when browsing (default: the default key, if any)' -r -F
complete -c pbsh -n "__fish_pbsh_using_subcommand key; and __fish_seen_subcommand_from import-master-pubkey" -s h -l help -d 'Print help'
complete -c pbsh -n "__fish_pbsh_using_subcommand key; and __fish_seen_subcommand_from help" -f -a "create" -d 'Create a new encryption key (default: ~/.config/proxmox-backup/encryption-key.json)'
complete -c pbsh -n "__fish_pbsh_using_subcommand key; and __fish_seen_subcommand_from help" -f -a "create-master-key" -d 'Create an RSA master key pair (master-public.pem, master-private.pem) in the current directory'
complete -c pbsh -n "__fish_pbsh_using_subcommand key; and __fish_seen_subcommand_from help" -f -a "import-with-master-key" -d 'Import an encryption key recovered with the RSA master private key: `[PATH] --encrypted-keyfile FILE --master-keyfile PEM` (as PBS), or `MASTER_KEYFILE ENCRYPTED_KEYFILE [PATH]`'
complete -c pbsh -n "__fish_pbsh_using_subcommand key; and __fish_seen_subcommand_from help" -f -a "change-passphrase" -d 'Change the passphrase (and KDF) of a key file'
complete -c pbsh -n "__fish_pbsh_using_subcommand key; and __fish_seen_subcommand_from help" -f -a "show" -d 'Show a key file\'s metadata (no passphrase needed)'
complete -c pbsh -n "__fish_pbsh_using_subcommand key; and __fish_seen_subcommand_from help" -f -a "paperkey" -d 'Print a key file or master private key for paper backup'
complete -c pbsh -n "__fish_pbsh_using_subcommand key; and __fish_seen_subcommand_from help" -f -a "show-master-pubkey" -d 'Show the RSA master public key\'s modulus, exponent and length'
complete -c pbsh -n "__fish_pbsh_using_subcommand key; and __fish_seen_subcommand_from help" -f -a "import-master-pubkey" -d 'Install a master public key as the default one'
complete -c pbsh -n "__fish_pbsh_using_subcommand key; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c pbsh -n "__fish_pbsh_using_subcommand backup" -l backup-type -r
complete -c pbsh -n "__fish_pbsh_using_subcommand backup" -l backup-id -d 'Backup ID (default: this host\'s name)' -r
complete -c pbsh -n "__fish_pbsh_using_subcommand backup" -l backup-time -d 'Backup time as epoch seconds (default: now)' -r
complete -c pbsh -n "__fish_pbsh_using_subcommand backup" -l ns -r
complete -c pbsh -n "__fish_pbsh_using_subcommand backup" -l crypt-mode -r -f -a "none\t''
encrypt\t''
sign-only\t''"
complete -c pbsh -n "__fish_pbsh_using_subcommand backup" -l keyfile -r -F
complete -c pbsh -n "__fish_pbsh_using_subcommand backup" -l master-pubkey-file -r -F
complete -c pbsh -n "__fish_pbsh_using_subcommand backup" -l change-detection-mode -r -f -a "legacy\t''
data\t''
metadata\t''"
complete -c pbsh -n "__fish_pbsh_using_subcommand backup" -l exclude -d 'Exclude pattern (gitignore style; repeatable; `!` re-includes)' -r
complete -c pbsh -n "__fish_pbsh_using_subcommand backup" -l include-dev -d 'Include the file system mounted at this path (repeatable)' -r -F
complete -c pbsh -n "__fish_pbsh_using_subcommand backup" -l keyfd -d 'Read the key file from this open file descriptor (instead of --keyfile)' -r
complete -c pbsh -n "__fish_pbsh_using_subcommand backup" -l master-pubkey-fd -d 'Read the master public key (PEM) from this open file descriptor' -r
complete -c pbsh -n "__fish_pbsh_using_subcommand backup" -l chunk-size -d 'Average chunk size of archives in KiB: a power of two from 64 to 4096 (default 4096)' -r
complete -c pbsh -n "__fish_pbsh_using_subcommand backup" -l entries-max -d 'The most directory entries held in memory at once (default 1048576, as PBS)' -r
complete -c pbsh -n "__fish_pbsh_using_subcommand backup" -l rate -d 'Hold chunk traffic to this many bytes a second: `10M` is 10,000,000, `10MiB` 10,485,760' -r
complete -c pbsh -n "__fish_pbsh_using_subcommand backup" -l burst -d 'Bytes that may pass at once before --rate holds them (default: one second\'s worth)' -r
complete -c pbsh -n "__fish_pbsh_using_subcommand backup" -l repository -d 'Repository: [[USER@REALM[!TOKEN]@]HOST[:PORT]:]STORE (a bare STORE is on localhost), or a path (/…, ./…, ../…, ~/…, file:PATH): a local datastore directory or a lone .pxar file (default: $XDG_DATA_HOME/pbsh/datastore)' -r -F
complete -c pbsh -n "__fish_pbsh_using_subcommand backup" -l fingerprint -d 'Expected SHA-256 fingerprint of the server\'s certificate (or PBS_FINGERPRINT)' -r
complete -c pbsh -n "__fish_pbsh_using_subcommand backup" -l start-ns -d 'Start in this namespace' -r
complete -c pbsh -n "__fish_pbsh_using_subcommand backup" -l session-keyfile -d 'Key file for encrypted snapshots when browsing (default: the default key, if any)' -r -F
complete -c pbsh -n "__fish_pbsh_using_subcommand backup" -l all-file-systems -d 'Descend into all file systems'
complete -c pbsh -n "__fish_pbsh_using_subcommand backup" -l dry-run -d 'Say what would be uploaded, and upload nothing'
complete -c pbsh -n "__fish_pbsh_using_subcommand backup" -l skip-lost-and-found -d 'Leave out every directory named lost+found'
complete -c pbsh -n "__fish_pbsh_using_subcommand backup" -l skip-e2big-xattr -d 'Archive a file whose extended attributes are too many to list without them (a warning), instead of failing'
complete -c pbsh -n "__fish_pbsh_using_subcommand backup" -s h -l help -d 'Print help'
complete -c pbsh -n "__fish_pbsh_using_subcommand restore" -l keyfile -r -F
complete -c pbsh -n "__fish_pbsh_using_subcommand restore" -l ns -r
complete -c pbsh -n "__fish_pbsh_using_subcommand restore" -l path -d 'Restore only this path inside the archive' -r
complete -c pbsh -n "__fish_pbsh_using_subcommand restore" -l pattern -d 'Restore only what matches (gitignore style, e.g. \'etc/**\' or \'*.conf\'; `!P` takes back; the last matching pattern decides); repeatable' -r
complete -c pbsh -n "__fish_pbsh_using_subcommand restore" -l keyfd -d 'Read the key file from this open file descriptor (instead of --keyfile)' -r
complete -c pbsh -n "__fish_pbsh_using_subcommand restore" -l crypt-mode -d '`none` reads without any key (the default key is not loaded); `encrypt`/`sign-only` insist on one' -r -f -a "none\t''
encrypt\t''
sign-only\t''"
complete -c pbsh -n "__fish_pbsh_using_subcommand restore" -l rate -d 'Hold chunk traffic to this many bytes a second: `10M` is 10,000,000, `10MiB` 10,485,760' -r
complete -c pbsh -n "__fish_pbsh_using_subcommand restore" -l burst -d 'Bytes that may pass at once before --rate holds them (default: one second\'s worth)' -r
complete -c pbsh -n "__fish_pbsh_using_subcommand restore" -l repository -d 'Repository: [[USER@REALM[!TOKEN]@]HOST[:PORT]:]STORE (a bare STORE is on localhost), or a path (/…, ./…, ../…, ~/…, file:PATH): a local datastore directory or a lone .pxar file (default: $XDG_DATA_HOME/pbsh/datastore)' -r -F
complete -c pbsh -n "__fish_pbsh_using_subcommand restore" -l fingerprint -d 'Expected SHA-256 fingerprint of the server\'s certificate (or PBS_FINGERPRINT)' -r
complete -c pbsh -n "__fish_pbsh_using_subcommand restore" -l start-ns -d 'Start in this namespace' -r
complete -c pbsh -n "__fish_pbsh_using_subcommand restore" -l session-keyfile -d 'Key file for encrypted snapshots when browsing (default: the default key, if any)' -r -F
complete -c pbsh -n "__fish_pbsh_using_subcommand restore" -l overwrite -d 'Replace existing files, symlinks and hard links (all of the three below)'
complete -c pbsh -n "__fish_pbsh_using_subcommand restore" -l overwrite-files -d 'Replace existing files (and special files)'
complete -c pbsh -n "__fish_pbsh_using_subcommand restore" -l overwrite-symlinks -d 'Replace existing symlinks'
complete -c pbsh -n "__fish_pbsh_using_subcommand restore" -l overwrite-hardlinks -d 'Replace existing hard links'
complete -c pbsh -n "__fish_pbsh_using_subcommand restore" -l allow-existing-dirs -d 'Restore into directories that already exist (without it an existing directory inside the target is refused, as with proxmox-backup-client)'
complete -c pbsh -n "__fish_pbsh_using_subcommand restore" -l ignore-ownership -d 'Do not restore owners, even as root'
complete -c pbsh -n "__fish_pbsh_using_subcommand restore" -l ignore-permissions -d 'Do not restore permission bits (files stay 0600, directories 0700)'
complete -c pbsh -n "__fish_pbsh_using_subcommand restore" -l ignore-acls -d 'Do not restore POSIX ACLs'
complete -c pbsh -n "__fish_pbsh_using_subcommand restore" -l ignore-xattrs -d 'Do not restore extended attributes (and file capabilities)'
complete -c pbsh -n "__fish_pbsh_using_subcommand restore" -l ignore-extract-device-errors -d 'A device node that cannot be created is a warning, not an error'
complete -c pbsh -n "__fish_pbsh_using_subcommand restore" -s h -l help -d 'Print help'
complete -c pbsh -n "__fish_pbsh_using_subcommand list" -l ns -r
complete -c pbsh -n "__fish_pbsh_using_subcommand list" -l output-format -r -f -a "text\t''
json\t''
json-pretty\t''"
complete -c pbsh -n "__fish_pbsh_using_subcommand list" -l repository -d 'Repository: [[USER@REALM[!TOKEN]@]HOST[:PORT]:]STORE (a bare STORE is on localhost), or a path (/…, ./…, ../…, ~/…, file:PATH): a local datastore directory or a lone .pxar file (default: $XDG_DATA_HOME/pbsh/datastore)' -r -F
complete -c pbsh -n "__fish_pbsh_using_subcommand list" -l fingerprint -d 'Expected SHA-256 fingerprint of the server\'s certificate (or PBS_FINGERPRINT)' -r
complete -c pbsh -n "__fish_pbsh_using_subcommand list" -l start-ns -d 'Start in this namespace' -r
complete -c pbsh -n "__fish_pbsh_using_subcommand list" -l session-keyfile -d 'Key file for encrypted snapshots when browsing (default: the default key, if any)' -r -F
complete -c pbsh -n "__fish_pbsh_using_subcommand list" -s h -l help -d 'Print help'
complete -c pbsh -n "__fish_pbsh_using_subcommand snapshot; and not __fish_seen_subcommand_from list files forget protected notes upload-log help" -l repository -d 'Repository: [[USER@REALM[!TOKEN]@]HOST[:PORT]:]STORE (a bare STORE is on localhost), or a path (/…, ./…, ../…, ~/…, file:PATH): a local datastore directory or a lone .pxar file (default: $XDG_DATA_HOME/pbsh/datastore)' -r -F
complete -c pbsh -n "__fish_pbsh_using_subcommand snapshot; and not __fish_seen_subcommand_from list files forget protected notes upload-log help" -l fingerprint -d 'Expected SHA-256 fingerprint of the server\'s certificate (or PBS_FINGERPRINT)' -r
complete -c pbsh -n "__fish_pbsh_using_subcommand snapshot; and not __fish_seen_subcommand_from list files forget protected notes upload-log help" -l start-ns -d 'Start in this namespace' -r
complete -c pbsh -n "__fish_pbsh_using_subcommand snapshot; and not __fish_seen_subcommand_from list files forget protected notes upload-log help" -l session-keyfile -d 'Key file for encrypted snapshots when browsing (default: the default key, if any)' -r -F
complete -c pbsh -n "__fish_pbsh_using_subcommand snapshot; and not __fish_seen_subcommand_from list files forget protected notes upload-log help" -s h -l help -d 'Print help'
complete -c pbsh -n "__fish_pbsh_using_subcommand snapshot; and not __fish_seen_subcommand_from list files forget protected notes upload-log help" -f -a "list" -d 'List snapshots (of one group, or all)'
complete -c pbsh -n "__fish_pbsh_using_subcommand snapshot; and not __fish_seen_subcommand_from list files forget protected notes upload-log help" -f -a "files" -d 'List a snapshot\'s files'
complete -c pbsh -n "__fish_pbsh_using_subcommand snapshot; and not __fish_seen_subcommand_from list files forget protected notes upload-log help" -f -a "forget" -d 'Remove a snapshot'
complete -c pbsh -n "__fish_pbsh_using_subcommand snapshot; and not __fish_seen_subcommand_from list files forget protected notes upload-log help" -f -a "protected" -d 'Show or change a snapshot\'s protection'
complete -c pbsh -n "__fish_pbsh_using_subcommand snapshot; and not __fish_seen_subcommand_from list files forget protected notes upload-log help" -f -a "notes" -d 'Show or change a snapshot\'s notes'
complete -c pbsh -n "__fish_pbsh_using_subcommand snapshot; and not __fish_seen_subcommand_from list files forget protected notes upload-log help" -f -a "upload-log" -d 'Attach a client log file to a finished snapshot (`client.log.blob`, once per snapshot)'
complete -c pbsh -n "__fish_pbsh_using_subcommand snapshot; and not __fish_seen_subcommand_from list files forget protected notes upload-log help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c pbsh -n "__fish_pbsh_using_subcommand snapshot; and __fish_seen_subcommand_from list" -l ns -r
complete -c pbsh -n "__fish_pbsh_using_subcommand snapshot; and __fish_seen_subcommand_from list" -l output-format -r -f -a "text\t''
json\t''
json-pretty\t''"
complete -c pbsh -n "__fish_pbsh_using_subcommand snapshot; and __fish_seen_subcommand_from list" -l repository -d 'Repository: [[USER@REALM[!TOKEN]@]HOST[:PORT]:]STORE (a bare STORE is on localhost), or a path (/…, ./…, ../…, ~/…, file:PATH): a local datastore directory or a lone .pxar file (default: $XDG_DATA_HOME/pbsh/datastore)' -r -F
complete -c pbsh -n "__fish_pbsh_using_subcommand snapshot; and __fish_seen_subcommand_from list" -l fingerprint -d 'Expected SHA-256 fingerprint of the server\'s certificate (or PBS_FINGERPRINT)' -r
complete -c pbsh -n "__fish_pbsh_using_subcommand snapshot; and __fish_seen_subcommand_from list" -l start-ns -d 'Start in this namespace' -r
complete -c pbsh -n "__fish_pbsh_using_subcommand snapshot; and __fish_seen_subcommand_from list" -l session-keyfile -d 'Key file for encrypted snapshots when browsing (default: the default key, if any)' -r -F
complete -c pbsh -n "__fish_pbsh_using_subcommand snapshot; and __fish_seen_subcommand_from list" -s h -l help -d 'Print help'
complete -c pbsh -n "__fish_pbsh_using_subcommand snapshot; and __fish_seen_subcommand_from files" -l ns -r
complete -c pbsh -n "__fish_pbsh_using_subcommand snapshot; and __fish_seen_subcommand_from files" -l output-format -r -f -a "text\t''
json\t''
json-pretty\t''"
complete -c pbsh -n "__fish_pbsh_using_subcommand snapshot; and __fish_seen_subcommand_from files" -l repository -d 'Repository: [[USER@REALM[!TOKEN]@]HOST[:PORT]:]STORE (a bare STORE is on localhost), or a path (/…, ./…, ../…, ~/…, file:PATH): a local datastore directory or a lone .pxar file (default: $XDG_DATA_HOME/pbsh/datastore)' -r -F
complete -c pbsh -n "__fish_pbsh_using_subcommand snapshot; and __fish_seen_subcommand_from files" -l fingerprint -d 'Expected SHA-256 fingerprint of the server\'s certificate (or PBS_FINGERPRINT)' -r
complete -c pbsh -n "__fish_pbsh_using_subcommand snapshot; and __fish_seen_subcommand_from files" -l start-ns -d 'Start in this namespace' -r
complete -c pbsh -n "__fish_pbsh_using_subcommand snapshot; and __fish_seen_subcommand_from files" -l session-keyfile -d 'Key file for encrypted snapshots when browsing (default: the default key, if any)' -r -F
complete -c pbsh -n "__fish_pbsh_using_subcommand snapshot; and __fish_seen_subcommand_from files" -s h -l help -d 'Print help'
complete -c pbsh -n "__fish_pbsh_using_subcommand snapshot; and __fish_seen_subcommand_from forget" -l ns -r
complete -c pbsh -n "__fish_pbsh_using_subcommand snapshot; and __fish_seen_subcommand_from forget" -l repository -d 'Repository: [[USER@REALM[!TOKEN]@]HOST[:PORT]:]STORE (a bare STORE is on localhost), or a path (/…, ./…, ../…, ~/…, file:PATH): a local datastore directory or a lone .pxar file (default: $XDG_DATA_HOME/pbsh/datastore)' -r -F
complete -c pbsh -n "__fish_pbsh_using_subcommand snapshot; and __fish_seen_subcommand_from forget" -l fingerprint -d 'Expected SHA-256 fingerprint of the server\'s certificate (or PBS_FINGERPRINT)' -r
complete -c pbsh -n "__fish_pbsh_using_subcommand snapshot; and __fish_seen_subcommand_from forget" -l start-ns -d 'Start in this namespace' -r
complete -c pbsh -n "__fish_pbsh_using_subcommand snapshot; and __fish_seen_subcommand_from forget" -l session-keyfile -d 'Key file for encrypted snapshots when browsing (default: the default key, if any)' -r -F
complete -c pbsh -n "__fish_pbsh_using_subcommand snapshot; and __fish_seen_subcommand_from forget" -s h -l help -d 'Print help'
complete -c pbsh -n "__fish_pbsh_using_subcommand snapshot; and __fish_seen_subcommand_from protected" -l repository -d 'Repository: [[USER@REALM[!TOKEN]@]HOST[:PORT]:]STORE (a bare STORE is on localhost), or a path (/…, ./…, ../…, ~/…, file:PATH): a local datastore directory or a lone .pxar file (default: $XDG_DATA_HOME/pbsh/datastore)' -r -F
complete -c pbsh -n "__fish_pbsh_using_subcommand snapshot; and __fish_seen_subcommand_from protected" -l fingerprint -d 'Expected SHA-256 fingerprint of the server\'s certificate (or PBS_FINGERPRINT)' -r
complete -c pbsh -n "__fish_pbsh_using_subcommand snapshot; and __fish_seen_subcommand_from protected" -l start-ns -d 'Start in this namespace' -r
complete -c pbsh -n "__fish_pbsh_using_subcommand snapshot; and __fish_seen_subcommand_from protected" -l session-keyfile -d 'Key file for encrypted snapshots when browsing (default: the default key, if any)' -r -F
complete -c pbsh -n "__fish_pbsh_using_subcommand snapshot; and __fish_seen_subcommand_from protected" -s h -l help -d 'Print help'
complete -c pbsh -n "__fish_pbsh_using_subcommand snapshot; and __fish_seen_subcommand_from protected" -f -a "show"
complete -c pbsh -n "__fish_pbsh_using_subcommand snapshot; and __fish_seen_subcommand_from protected" -f -a "update"
complete -c pbsh -n "__fish_pbsh_using_subcommand snapshot; and __fish_seen_subcommand_from protected" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c pbsh -n "__fish_pbsh_using_subcommand snapshot; and __fish_seen_subcommand_from notes" -l repository -d 'Repository: [[USER@REALM[!TOKEN]@]HOST[:PORT]:]STORE (a bare STORE is on localhost), or a path (/…, ./…, ../…, ~/…, file:PATH): a local datastore directory or a lone .pxar file (default: $XDG_DATA_HOME/pbsh/datastore)' -r -F
complete -c pbsh -n "__fish_pbsh_using_subcommand snapshot; and __fish_seen_subcommand_from notes" -l fingerprint -d 'Expected SHA-256 fingerprint of the server\'s certificate (or PBS_FINGERPRINT)' -r
complete -c pbsh -n "__fish_pbsh_using_subcommand snapshot; and __fish_seen_subcommand_from notes" -l start-ns -d 'Start in this namespace' -r
complete -c pbsh -n "__fish_pbsh_using_subcommand snapshot; and __fish_seen_subcommand_from notes" -l session-keyfile -d 'Key file for encrypted snapshots when browsing (default: the default key, if any)' -r -F
complete -c pbsh -n "__fish_pbsh_using_subcommand snapshot; and __fish_seen_subcommand_from notes" -s h -l help -d 'Print help'
complete -c pbsh -n "__fish_pbsh_using_subcommand snapshot; and __fish_seen_subcommand_from notes" -f -a "show"
complete -c pbsh -n "__fish_pbsh_using_subcommand snapshot; and __fish_seen_subcommand_from notes" -f -a "update"
complete -c pbsh -n "__fish_pbsh_using_subcommand snapshot; and __fish_seen_subcommand_from notes" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c pbsh -n "__fish_pbsh_using_subcommand snapshot; and __fish_seen_subcommand_from upload-log" -l keyfile -d 'Encrypt the log with this key (default: the default key, if any)' -r -F
complete -c pbsh -n "__fish_pbsh_using_subcommand snapshot; and __fish_seen_subcommand_from upload-log" -l keyfd -d 'Read the key file from this open file descriptor (instead of --keyfile)' -r
complete -c pbsh -n "__fish_pbsh_using_subcommand snapshot; and __fish_seen_subcommand_from upload-log" -l crypt-mode -d '`none` stores the log unencrypted even when a default key exists' -r -f -a "none\t''
encrypt\t''
sign-only\t''"
complete -c pbsh -n "__fish_pbsh_using_subcommand snapshot; and __fish_seen_subcommand_from upload-log" -l ns -r
complete -c pbsh -n "__fish_pbsh_using_subcommand snapshot; and __fish_seen_subcommand_from upload-log" -l repository -d 'Repository: [[USER@REALM[!TOKEN]@]HOST[:PORT]:]STORE (a bare STORE is on localhost), or a path (/…, ./…, ../…, ~/…, file:PATH): a local datastore directory or a lone .pxar file (default: $XDG_DATA_HOME/pbsh/datastore)' -r -F
complete -c pbsh -n "__fish_pbsh_using_subcommand snapshot; and __fish_seen_subcommand_from upload-log" -l fingerprint -d 'Expected SHA-256 fingerprint of the server\'s certificate (or PBS_FINGERPRINT)' -r
complete -c pbsh -n "__fish_pbsh_using_subcommand snapshot; and __fish_seen_subcommand_from upload-log" -l start-ns -d 'Start in this namespace' -r
complete -c pbsh -n "__fish_pbsh_using_subcommand snapshot; and __fish_seen_subcommand_from upload-log" -l session-keyfile -d 'Key file for encrypted snapshots when browsing (default: the default key, if any)' -r -F
complete -c pbsh -n "__fish_pbsh_using_subcommand snapshot; and __fish_seen_subcommand_from upload-log" -s h -l help -d 'Print help'
complete -c pbsh -n "__fish_pbsh_using_subcommand snapshot; and __fish_seen_subcommand_from help" -f -a "list" -d 'List snapshots (of one group, or all)'
complete -c pbsh -n "__fish_pbsh_using_subcommand snapshot; and __fish_seen_subcommand_from help" -f -a "files" -d 'List a snapshot\'s files'
complete -c pbsh -n "__fish_pbsh_using_subcommand snapshot; and __fish_seen_subcommand_from help" -f -a "forget" -d 'Remove a snapshot'
complete -c pbsh -n "__fish_pbsh_using_subcommand snapshot; and __fish_seen_subcommand_from help" -f -a "protected" -d 'Show or change a snapshot\'s protection'
complete -c pbsh -n "__fish_pbsh_using_subcommand snapshot; and __fish_seen_subcommand_from help" -f -a "notes" -d 'Show or change a snapshot\'s notes'
complete -c pbsh -n "__fish_pbsh_using_subcommand snapshot; and __fish_seen_subcommand_from help" -f -a "upload-log" -d 'Attach a client log file to a finished snapshot (`client.log.blob`, once per snapshot)'
complete -c pbsh -n "__fish_pbsh_using_subcommand snapshot; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c pbsh -n "__fish_pbsh_using_subcommand forget" -l ns -r
complete -c pbsh -n "__fish_pbsh_using_subcommand forget" -l repository -d 'Repository: [[USER@REALM[!TOKEN]@]HOST[:PORT]:]STORE (a bare STORE is on localhost), or a path (/…, ./…, ../…, ~/…, file:PATH): a local datastore directory or a lone .pxar file (default: $XDG_DATA_HOME/pbsh/datastore)' -r -F
complete -c pbsh -n "__fish_pbsh_using_subcommand forget" -l fingerprint -d 'Expected SHA-256 fingerprint of the server\'s certificate (or PBS_FINGERPRINT)' -r
complete -c pbsh -n "__fish_pbsh_using_subcommand forget" -l start-ns -d 'Start in this namespace' -r
complete -c pbsh -n "__fish_pbsh_using_subcommand forget" -l session-keyfile -d 'Key file for encrypted snapshots when browsing (default: the default key, if any)' -r -F
complete -c pbsh -n "__fish_pbsh_using_subcommand forget" -s h -l help -d 'Print help'
complete -c pbsh -n "__fish_pbsh_using_subcommand protect" -l ns -r
complete -c pbsh -n "__fish_pbsh_using_subcommand protect" -l repository -d 'Repository: [[USER@REALM[!TOKEN]@]HOST[:PORT]:]STORE (a bare STORE is on localhost), or a path (/…, ./…, ../…, ~/…, file:PATH): a local datastore directory or a lone .pxar file (default: $XDG_DATA_HOME/pbsh/datastore)' -r -F
complete -c pbsh -n "__fish_pbsh_using_subcommand protect" -l fingerprint -d 'Expected SHA-256 fingerprint of the server\'s certificate (or PBS_FINGERPRINT)' -r
complete -c pbsh -n "__fish_pbsh_using_subcommand protect" -l start-ns -d 'Start in this namespace' -r
complete -c pbsh -n "__fish_pbsh_using_subcommand protect" -l session-keyfile -d 'Key file for encrypted snapshots when browsing (default: the default key, if any)' -r -F
complete -c pbsh -n "__fish_pbsh_using_subcommand protect" -s h -l help -d 'Print help'
complete -c pbsh -n "__fish_pbsh_using_subcommand change-owner" -l ns -r
complete -c pbsh -n "__fish_pbsh_using_subcommand change-owner" -l repository -d 'Repository: [[USER@REALM[!TOKEN]@]HOST[:PORT]:]STORE (a bare STORE is on localhost), or a path (/…, ./…, ../…, ~/…, file:PATH): a local datastore directory or a lone .pxar file (default: $XDG_DATA_HOME/pbsh/datastore)' -r -F
complete -c pbsh -n "__fish_pbsh_using_subcommand change-owner" -l fingerprint -d 'Expected SHA-256 fingerprint of the server\'s certificate (or PBS_FINGERPRINT)' -r
complete -c pbsh -n "__fish_pbsh_using_subcommand change-owner" -l start-ns -d 'Start in this namespace' -r
complete -c pbsh -n "__fish_pbsh_using_subcommand change-owner" -l session-keyfile -d 'Key file for encrypted snapshots when browsing (default: the default key, if any)' -r -F
complete -c pbsh -n "__fish_pbsh_using_subcommand change-owner" -s h -l help -d 'Print help'
complete -c pbsh -n "__fish_pbsh_using_subcommand version" -l output-format -r -f -a "text\t''
json\t''
json-pretty\t''"
complete -c pbsh -n "__fish_pbsh_using_subcommand version" -l repository -d 'Repository: [[USER@REALM[!TOKEN]@]HOST[:PORT]:]STORE (a bare STORE is on localhost), or a path (/…, ./…, ../…, ~/…, file:PATH): a local datastore directory or a lone .pxar file (default: $XDG_DATA_HOME/pbsh/datastore)' -r -F
complete -c pbsh -n "__fish_pbsh_using_subcommand version" -l fingerprint -d 'Expected SHA-256 fingerprint of the server\'s certificate (or PBS_FINGERPRINT)' -r
complete -c pbsh -n "__fish_pbsh_using_subcommand version" -l start-ns -d 'Start in this namespace' -r
complete -c pbsh -n "__fish_pbsh_using_subcommand version" -l session-keyfile -d 'Key file for encrypted snapshots when browsing (default: the default key, if any)' -r -F
complete -c pbsh -n "__fish_pbsh_using_subcommand version" -s h -l help -d 'Print help'
complete -c pbsh -n "__fish_pbsh_using_subcommand unprotect" -l ns -r
complete -c pbsh -n "__fish_pbsh_using_subcommand unprotect" -l repository -d 'Repository: [[USER@REALM[!TOKEN]@]HOST[:PORT]:]STORE (a bare STORE is on localhost), or a path (/…, ./…, ../…, ~/…, file:PATH): a local datastore directory or a lone .pxar file (default: $XDG_DATA_HOME/pbsh/datastore)' -r -F
complete -c pbsh -n "__fish_pbsh_using_subcommand unprotect" -l fingerprint -d 'Expected SHA-256 fingerprint of the server\'s certificate (or PBS_FINGERPRINT)' -r
complete -c pbsh -n "__fish_pbsh_using_subcommand unprotect" -l start-ns -d 'Start in this namespace' -r
complete -c pbsh -n "__fish_pbsh_using_subcommand unprotect" -l session-keyfile -d 'Key file for encrypted snapshots when browsing (default: the default key, if any)' -r -F
complete -c pbsh -n "__fish_pbsh_using_subcommand unprotect" -s h -l help -d 'Print help'
complete -c pbsh -n "__fish_pbsh_using_subcommand ns; and not __fish_seen_subcommand_from list create delete help" -l repository -d 'Repository: [[USER@REALM[!TOKEN]@]HOST[:PORT]:]STORE (a bare STORE is on localhost), or a path (/…, ./…, ../…, ~/…, file:PATH): a local datastore directory or a lone .pxar file (default: $XDG_DATA_HOME/pbsh/datastore)' -r -F
complete -c pbsh -n "__fish_pbsh_using_subcommand ns; and not __fish_seen_subcommand_from list create delete help" -l fingerprint -d 'Expected SHA-256 fingerprint of the server\'s certificate (or PBS_FINGERPRINT)' -r
complete -c pbsh -n "__fish_pbsh_using_subcommand ns; and not __fish_seen_subcommand_from list create delete help" -l start-ns -d 'Start in this namespace' -r
complete -c pbsh -n "__fish_pbsh_using_subcommand ns; and not __fish_seen_subcommand_from list create delete help" -l session-keyfile -d 'Key file for encrypted snapshots when browsing (default: the default key, if any)' -r -F
complete -c pbsh -n "__fish_pbsh_using_subcommand ns; and not __fish_seen_subcommand_from list create delete help" -s h -l help -d 'Print help'
complete -c pbsh -n "__fish_pbsh_using_subcommand ns; and not __fish_seen_subcommand_from list create delete help" -f -a "list" -d 'List a namespace (default: the current one) and every namespace below it'
complete -c pbsh -n "__fish_pbsh_using_subcommand ns; and not __fish_seen_subcommand_from list create delete help" -f -a "create" -d 'Create a namespace (its parent must exist)'
complete -c pbsh -n "__fish_pbsh_using_subcommand ns; and not __fish_seen_subcommand_from list create delete help" -f -a "delete" -d 'Delete an empty namespace (or everything in it with --delete-groups)'
complete -c pbsh -n "__fish_pbsh_using_subcommand ns; and not __fish_seen_subcommand_from list create delete help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c pbsh -n "__fish_pbsh_using_subcommand ns; and __fish_seen_subcommand_from list" -l max-depth -d 'Levels below PARENT to list (0: PARENT alone; default: all)' -r
complete -c pbsh -n "__fish_pbsh_using_subcommand ns; and __fish_seen_subcommand_from list" -l output-format -r -f -a "text\t''
json\t''
json-pretty\t''"
complete -c pbsh -n "__fish_pbsh_using_subcommand ns; and __fish_seen_subcommand_from list" -l repository -d 'Repository: [[USER@REALM[!TOKEN]@]HOST[:PORT]:]STORE (a bare STORE is on localhost), or a path (/…, ./…, ../…, ~/…, file:PATH): a local datastore directory or a lone .pxar file (default: $XDG_DATA_HOME/pbsh/datastore)' -r -F
complete -c pbsh -n "__fish_pbsh_using_subcommand ns; and __fish_seen_subcommand_from list" -l fingerprint -d 'Expected SHA-256 fingerprint of the server\'s certificate (or PBS_FINGERPRINT)' -r
complete -c pbsh -n "__fish_pbsh_using_subcommand ns; and __fish_seen_subcommand_from list" -l start-ns -d 'Start in this namespace' -r
complete -c pbsh -n "__fish_pbsh_using_subcommand ns; and __fish_seen_subcommand_from list" -l session-keyfile -d 'Key file for encrypted snapshots when browsing (default: the default key, if any)' -r -F
complete -c pbsh -n "__fish_pbsh_using_subcommand ns; and __fish_seen_subcommand_from list" -s h -l help -d 'Print help'
complete -c pbsh -n "__fish_pbsh_using_subcommand ns; and __fish_seen_subcommand_from create" -l repository -d 'Repository: [[USER@REALM[!TOKEN]@]HOST[:PORT]:]STORE (a bare STORE is on localhost), or a path (/…, ./…, ../…, ~/…, file:PATH): a local datastore directory or a lone .pxar file (default: $XDG_DATA_HOME/pbsh/datastore)' -r -F
complete -c pbsh -n "__fish_pbsh_using_subcommand ns; and __fish_seen_subcommand_from create" -l fingerprint -d 'Expected SHA-256 fingerprint of the server\'s certificate (or PBS_FINGERPRINT)' -r
complete -c pbsh -n "__fish_pbsh_using_subcommand ns; and __fish_seen_subcommand_from create" -l start-ns -d 'Start in this namespace' -r
complete -c pbsh -n "__fish_pbsh_using_subcommand ns; and __fish_seen_subcommand_from create" -l session-keyfile -d 'Key file for encrypted snapshots when browsing (default: the default key, if any)' -r -F
complete -c pbsh -n "__fish_pbsh_using_subcommand ns; and __fish_seen_subcommand_from create" -s h -l help -d 'Print help'
complete -c pbsh -n "__fish_pbsh_using_subcommand ns; and __fish_seen_subcommand_from delete" -l repository -d 'Repository: [[USER@REALM[!TOKEN]@]HOST[:PORT]:]STORE (a bare STORE is on localhost), or a path (/…, ./…, ../…, ~/…, file:PATH): a local datastore directory or a lone .pxar file (default: $XDG_DATA_HOME/pbsh/datastore)' -r -F
complete -c pbsh -n "__fish_pbsh_using_subcommand ns; and __fish_seen_subcommand_from delete" -l fingerprint -d 'Expected SHA-256 fingerprint of the server\'s certificate (or PBS_FINGERPRINT)' -r
complete -c pbsh -n "__fish_pbsh_using_subcommand ns; and __fish_seen_subcommand_from delete" -l start-ns -d 'Start in this namespace' -r
complete -c pbsh -n "__fish_pbsh_using_subcommand ns; and __fish_seen_subcommand_from delete" -l session-keyfile -d 'Key file for encrypted snapshots when browsing (default: the default key, if any)' -r -F
complete -c pbsh -n "__fish_pbsh_using_subcommand ns; and __fish_seen_subcommand_from delete" -l delete-groups
complete -c pbsh -n "__fish_pbsh_using_subcommand ns; and __fish_seen_subcommand_from delete" -s h -l help -d 'Print help'
complete -c pbsh -n "__fish_pbsh_using_subcommand ns; and __fish_seen_subcommand_from help" -f -a "list" -d 'List a namespace (default: the current one) and every namespace below it'
complete -c pbsh -n "__fish_pbsh_using_subcommand ns; and __fish_seen_subcommand_from help" -f -a "create" -d 'Create a namespace (its parent must exist)'
complete -c pbsh -n "__fish_pbsh_using_subcommand ns; and __fish_seen_subcommand_from help" -f -a "delete" -d 'Delete an empty namespace (or everything in it with --delete-groups)'
complete -c pbsh -n "__fish_pbsh_using_subcommand ns; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c pbsh -n "__fish_pbsh_using_subcommand prune" -l keep-last -r
complete -c pbsh -n "__fish_pbsh_using_subcommand prune" -l keep-hourly -r
complete -c pbsh -n "__fish_pbsh_using_subcommand prune" -l keep-daily -r
complete -c pbsh -n "__fish_pbsh_using_subcommand prune" -l keep-weekly -r
complete -c pbsh -n "__fish_pbsh_using_subcommand prune" -l keep-monthly -r
complete -c pbsh -n "__fish_pbsh_using_subcommand prune" -l keep-yearly -r
complete -c pbsh -n "__fish_pbsh_using_subcommand prune" -l ns -r
complete -c pbsh -n "__fish_pbsh_using_subcommand prune" -l output-format -r -f -a "text\t''
json\t''
json-pretty\t''"
complete -c pbsh -n "__fish_pbsh_using_subcommand prune" -l repository -d 'Repository: [[USER@REALM[!TOKEN]@]HOST[:PORT]:]STORE (a bare STORE is on localhost), or a path (/…, ./…, ../…, ~/…, file:PATH): a local datastore directory or a lone .pxar file (default: $XDG_DATA_HOME/pbsh/datastore)' -r -F
complete -c pbsh -n "__fish_pbsh_using_subcommand prune" -l fingerprint -d 'Expected SHA-256 fingerprint of the server\'s certificate (or PBS_FINGERPRINT)' -r
complete -c pbsh -n "__fish_pbsh_using_subcommand prune" -l start-ns -d 'Start in this namespace' -r
complete -c pbsh -n "__fish_pbsh_using_subcommand prune" -l session-keyfile -d 'Key file for encrypted snapshots when browsing (default: the default key, if any)' -r -F
complete -c pbsh -n "__fish_pbsh_using_subcommand prune" -l dry-run -d 'Show the decisions without removing anything'
complete -c pbsh -n "__fish_pbsh_using_subcommand prune" -l quiet -d 'Show only what is removed (as proxmox-backup-client\'s --quiet)'
complete -c pbsh -n "__fish_pbsh_using_subcommand prune" -s h -l help -d 'Print help'
complete -c pbsh -n "__fish_pbsh_using_subcommand garbage-collect" -l output-format -d 'json: the figures (local), or the task\'s UPID without following it (remote, as proxmox-backup-client)' -r -f -a "text\t''
json\t''
json-pretty\t''"
complete -c pbsh -n "__fish_pbsh_using_subcommand garbage-collect" -l repository -d 'Repository: [[USER@REALM[!TOKEN]@]HOST[:PORT]:]STORE (a bare STORE is on localhost), or a path (/…, ./…, ../…, ~/…, file:PATH): a local datastore directory or a lone .pxar file (default: $XDG_DATA_HOME/pbsh/datastore)' -r -F
complete -c pbsh -n "__fish_pbsh_using_subcommand garbage-collect" -l fingerprint -d 'Expected SHA-256 fingerprint of the server\'s certificate (or PBS_FINGERPRINT)' -r
complete -c pbsh -n "__fish_pbsh_using_subcommand garbage-collect" -l start-ns -d 'Start in this namespace' -r
complete -c pbsh -n "__fish_pbsh_using_subcommand garbage-collect" -l session-keyfile -d 'Key file for encrypted snapshots when browsing (default: the default key, if any)' -r -F
complete -c pbsh -n "__fish_pbsh_using_subcommand garbage-collect" -s h -l help -d 'Print help'
complete -c pbsh -n "__fish_pbsh_using_subcommand verify" -l ns -r
complete -c pbsh -n "__fish_pbsh_using_subcommand verify" -l keyfile -d 'Also decrypt encrypted chunks with this key (otherwise only their CRC is checked)' -r -F
complete -c pbsh -n "__fish_pbsh_using_subcommand verify" -l repository -d 'Repository: [[USER@REALM[!TOKEN]@]HOST[:PORT]:]STORE (a bare STORE is on localhost), or a path (/…, ./…, ../…, ~/…, file:PATH): a local datastore directory or a lone .pxar file (default: $XDG_DATA_HOME/pbsh/datastore)' -r -F
complete -c pbsh -n "__fish_pbsh_using_subcommand verify" -l fingerprint -d 'Expected SHA-256 fingerprint of the server\'s certificate (or PBS_FINGERPRINT)' -r
complete -c pbsh -n "__fish_pbsh_using_subcommand verify" -l start-ns -d 'Start in this namespace' -r
complete -c pbsh -n "__fish_pbsh_using_subcommand verify" -l session-keyfile -d 'Key file for encrypted snapshots when browsing (default: the default key, if any)' -r -F
complete -c pbsh -n "__fish_pbsh_using_subcommand verify" -s h -l help -d 'Print help'
complete -c pbsh -n "__fish_pbsh_using_subcommand status" -l output-format -r -f -a "text\t''
json\t''
json-pretty\t''"
complete -c pbsh -n "__fish_pbsh_using_subcommand status" -l repository -d 'Repository: [[USER@REALM[!TOKEN]@]HOST[:PORT]:]STORE (a bare STORE is on localhost), or a path (/…, ./…, ../…, ~/…, file:PATH): a local datastore directory or a lone .pxar file (default: $XDG_DATA_HOME/pbsh/datastore)' -r -F
complete -c pbsh -n "__fish_pbsh_using_subcommand status" -l fingerprint -d 'Expected SHA-256 fingerprint of the server\'s certificate (or PBS_FINGERPRINT)' -r
complete -c pbsh -n "__fish_pbsh_using_subcommand status" -l start-ns -d 'Start in this namespace' -r
complete -c pbsh -n "__fish_pbsh_using_subcommand status" -l session-keyfile -d 'Key file for encrypted snapshots when browsing (default: the default key, if any)' -r -F
complete -c pbsh -n "__fish_pbsh_using_subcommand status" -s h -l help -d 'Print help'
complete -c pbsh -n "__fish_pbsh_using_subcommand datastore; and not __fish_seen_subcommand_from create help" -l repository -d 'Repository: [[USER@REALM[!TOKEN]@]HOST[:PORT]:]STORE (a bare STORE is on localhost), or a path (/…, ./…, ../…, ~/…, file:PATH): a local datastore directory or a lone .pxar file (default: $XDG_DATA_HOME/pbsh/datastore)' -r -F
complete -c pbsh -n "__fish_pbsh_using_subcommand datastore; and not __fish_seen_subcommand_from create help" -l fingerprint -d 'Expected SHA-256 fingerprint of the server\'s certificate (or PBS_FINGERPRINT)' -r
complete -c pbsh -n "__fish_pbsh_using_subcommand datastore; and not __fish_seen_subcommand_from create help" -l start-ns -d 'Start in this namespace' -r
complete -c pbsh -n "__fish_pbsh_using_subcommand datastore; and not __fish_seen_subcommand_from create help" -l session-keyfile -d 'Key file for encrypted snapshots when browsing (default: the default key, if any)' -r -F
complete -c pbsh -n "__fish_pbsh_using_subcommand datastore; and not __fish_seen_subcommand_from create help" -s h -l help -d 'Print help'
complete -c pbsh -n "__fish_pbsh_using_subcommand datastore; and not __fish_seen_subcommand_from create help" -f -a "create" -d 'Create a datastore in PBS\'s layout at PATH (a directory, or s3://BUCKET[/PREFIX])'
complete -c pbsh -n "__fish_pbsh_using_subcommand datastore; and not __fish_seen_subcommand_from create help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c pbsh -n "__fish_pbsh_using_subcommand datastore; and __fish_seen_subcommand_from create" -l repository -d 'Repository: [[USER@REALM[!TOKEN]@]HOST[:PORT]:]STORE (a bare STORE is on localhost), or a path (/…, ./…, ../…, ~/…, file:PATH): a local datastore directory or a lone .pxar file (default: $XDG_DATA_HOME/pbsh/datastore)' -r -F
complete -c pbsh -n "__fish_pbsh_using_subcommand datastore; and __fish_seen_subcommand_from create" -l fingerprint -d 'Expected SHA-256 fingerprint of the server\'s certificate (or PBS_FINGERPRINT)' -r
complete -c pbsh -n "__fish_pbsh_using_subcommand datastore; and __fish_seen_subcommand_from create" -l start-ns -d 'Start in this namespace' -r
complete -c pbsh -n "__fish_pbsh_using_subcommand datastore; and __fish_seen_subcommand_from create" -l session-keyfile -d 'Key file for encrypted snapshots when browsing (default: the default key, if any)' -r -F
complete -c pbsh -n "__fish_pbsh_using_subcommand datastore; and __fish_seen_subcommand_from create" -l full -d 'Create every `.chunks/XXXX` directory up front (needed before a PBS server takes it over)'
complete -c pbsh -n "__fish_pbsh_using_subcommand datastore; and __fish_seen_subcommand_from create" -s h -l help -d 'Print help'
complete -c pbsh -n "__fish_pbsh_using_subcommand datastore; and __fish_seen_subcommand_from help" -f -a "create" -d 'Create a datastore in PBS\'s layout at PATH (a directory, or s3://BUCKET[/PREFIX])'
complete -c pbsh -n "__fish_pbsh_using_subcommand datastore; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c pbsh -n "__fish_pbsh_using_subcommand catalog; and not __fish_seen_subcommand_from dump shell help" -l repository -d 'Repository: [[USER@REALM[!TOKEN]@]HOST[:PORT]:]STORE (a bare STORE is on localhost), or a path (/…, ./…, ../…, ~/…, file:PATH): a local datastore directory or a lone .pxar file (default: $XDG_DATA_HOME/pbsh/datastore)' -r -F
complete -c pbsh -n "__fish_pbsh_using_subcommand catalog; and not __fish_seen_subcommand_from dump shell help" -l fingerprint -d 'Expected SHA-256 fingerprint of the server\'s certificate (or PBS_FINGERPRINT)' -r
complete -c pbsh -n "__fish_pbsh_using_subcommand catalog; and not __fish_seen_subcommand_from dump shell help" -l start-ns -d 'Start in this namespace' -r
complete -c pbsh -n "__fish_pbsh_using_subcommand catalog; and not __fish_seen_subcommand_from dump shell help" -l session-keyfile -d 'Key file for encrypted snapshots when browsing (default: the default key, if any)' -r -F
complete -c pbsh -n "__fish_pbsh_using_subcommand catalog; and not __fish_seen_subcommand_from dump shell help" -s h -l help -d 'Print help'
complete -c pbsh -n "__fish_pbsh_using_subcommand catalog; and not __fish_seen_subcommand_from dump shell help" -f -a "dump" -d 'Print every entry of a snapshot\'s catalog'
complete -c pbsh -n "__fish_pbsh_using_subcommand catalog; and not __fish_seen_subcommand_from dump shell help" -f -a "shell" -d 'Browse an archive: SNAPSHOT ARCHIVE (like PBS\'s catalog shell, in this session\'s tree), or a local catalog file with --file'
complete -c pbsh -n "__fish_pbsh_using_subcommand catalog; and not __fish_seen_subcommand_from dump shell help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c pbsh -n "__fish_pbsh_using_subcommand catalog; and __fish_seen_subcommand_from dump" -l ns -r
complete -c pbsh -n "__fish_pbsh_using_subcommand catalog; and __fish_seen_subcommand_from dump" -l keyfile -r -F
complete -c pbsh -n "__fish_pbsh_using_subcommand catalog; and __fish_seen_subcommand_from dump" -l keyfd -d 'Read the key file from this open file descriptor (instead of --keyfile)' -r
complete -c pbsh -n "__fish_pbsh_using_subcommand catalog; and __fish_seen_subcommand_from dump" -l repository -d 'Repository: [[USER@REALM[!TOKEN]@]HOST[:PORT]:]STORE (a bare STORE is on localhost), or a path (/…, ./…, ../…, ~/…, file:PATH): a local datastore directory or a lone .pxar file (default: $XDG_DATA_HOME/pbsh/datastore)' -r -F
complete -c pbsh -n "__fish_pbsh_using_subcommand catalog; and __fish_seen_subcommand_from dump" -l fingerprint -d 'Expected SHA-256 fingerprint of the server\'s certificate (or PBS_FINGERPRINT)' -r
complete -c pbsh -n "__fish_pbsh_using_subcommand catalog; and __fish_seen_subcommand_from dump" -l start-ns -d 'Start in this namespace' -r
complete -c pbsh -n "__fish_pbsh_using_subcommand catalog; and __fish_seen_subcommand_from dump" -l session-keyfile -d 'Key file for encrypted snapshots when browsing (default: the default key, if any)' -r -F
complete -c pbsh -n "__fish_pbsh_using_subcommand catalog; and __fish_seen_subcommand_from dump" -s h -l help -d 'Print help'
complete -c pbsh -n "__fish_pbsh_using_subcommand catalog; and __fish_seen_subcommand_from shell" -l ns -r
complete -c pbsh -n "__fish_pbsh_using_subcommand catalog; and __fish_seen_subcommand_from shell" -l file -d 'A local .pcat1 catalog file to browse instead' -r -F
complete -c pbsh -n "__fish_pbsh_using_subcommand catalog; and __fish_seen_subcommand_from shell" -l keyfile -d 'The key for an encrypted archive (default: the default key); the session keeps it' -r -F
complete -c pbsh -n "__fish_pbsh_using_subcommand catalog; and __fish_seen_subcommand_from shell" -l keyfd -d 'Read the key file from this open file descriptor (instead of --keyfile)' -r
complete -c pbsh -n "__fish_pbsh_using_subcommand catalog; and __fish_seen_subcommand_from shell" -l repository -d 'Repository: [[USER@REALM[!TOKEN]@]HOST[:PORT]:]STORE (a bare STORE is on localhost), or a path (/…, ./…, ../…, ~/…, file:PATH): a local datastore directory or a lone .pxar file (default: $XDG_DATA_HOME/pbsh/datastore)' -r -F
complete -c pbsh -n "__fish_pbsh_using_subcommand catalog; and __fish_seen_subcommand_from shell" -l fingerprint -d 'Expected SHA-256 fingerprint of the server\'s certificate (or PBS_FINGERPRINT)' -r
complete -c pbsh -n "__fish_pbsh_using_subcommand catalog; and __fish_seen_subcommand_from shell" -l start-ns -d 'Start in this namespace' -r
complete -c pbsh -n "__fish_pbsh_using_subcommand catalog; and __fish_seen_subcommand_from shell" -l session-keyfile -d 'Key file for encrypted snapshots when browsing (default: the default key, if any)' -r -F
complete -c pbsh -n "__fish_pbsh_using_subcommand catalog; and __fish_seen_subcommand_from shell" -s h -l help -d 'Print help'
complete -c pbsh -n "__fish_pbsh_using_subcommand catalog; and __fish_seen_subcommand_from help" -f -a "dump" -d 'Print every entry of a snapshot\'s catalog'
complete -c pbsh -n "__fish_pbsh_using_subcommand catalog; and __fish_seen_subcommand_from help" -f -a "shell" -d 'Browse an archive: SNAPSHOT ARCHIVE (like PBS\'s catalog shell, in this session\'s tree), or a local catalog file with --file'
complete -c pbsh -n "__fish_pbsh_using_subcommand catalog; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c pbsh -n "__fish_pbsh_using_subcommand bench" -l duration -d 'Seconds to measure each row (fractions allowed, e.g. 0.2)' -r
complete -c pbsh -n "__fish_pbsh_using_subcommand bench" -l output-format -r -f -a "text\t''
json\t''
json-pretty\t''"
complete -c pbsh -n "__fish_pbsh_using_subcommand bench" -l keyfile -d 'Encrypt with this key file\'s key (asks for its passphrase) instead of a random one' -r -F
complete -c pbsh -n "__fish_pbsh_using_subcommand bench" -l repository -d 'Repository: [[USER@REALM[!TOKEN]@]HOST[:PORT]:]STORE (a bare STORE is on localhost), or a path (/…, ./…, ../…, ~/…, file:PATH): a local datastore directory or a lone .pxar file (default: $XDG_DATA_HOME/pbsh/datastore)' -r -F
complete -c pbsh -n "__fish_pbsh_using_subcommand bench" -l fingerprint -d 'Expected SHA-256 fingerprint of the server\'s certificate (or PBS_FINGERPRINT)' -r
complete -c pbsh -n "__fish_pbsh_using_subcommand bench" -l start-ns -d 'Start in this namespace' -r
complete -c pbsh -n "__fish_pbsh_using_subcommand bench" -l session-keyfile -d 'Key file for encrypted snapshots when browsing (default: the default key, if any)' -r -F
complete -c pbsh -n "__fish_pbsh_using_subcommand bench" -s h -l help -d 'Print help'
complete -c pbsh -n "__fish_pbsh_using_subcommand mount" -l ns -r
complete -c pbsh -n "__fish_pbsh_using_subcommand mount" -l keyfile -r -F
complete -c pbsh -n "__fish_pbsh_using_subcommand mount" -l cache-size -d 'Chunk cache size, e.g. 64M, 1G (default 64M)' -r
complete -c pbsh -n "__fish_pbsh_using_subcommand mount" -l output-format -r -f -a "text\t''
json\t''
json-pretty\t''"
complete -c pbsh -n "__fish_pbsh_using_subcommand mount" -l repository -d 'Repository: [[USER@REALM[!TOKEN]@]HOST[:PORT]:]STORE (a bare STORE is on localhost), or a path (/…, ./…, ../…, ~/…, file:PATH): a local datastore directory or a lone .pxar file (default: $XDG_DATA_HOME/pbsh/datastore)' -r -F
complete -c pbsh -n "__fish_pbsh_using_subcommand mount" -l fingerprint -d 'Expected SHA-256 fingerprint of the server\'s certificate (or PBS_FINGERPRINT)' -r
complete -c pbsh -n "__fish_pbsh_using_subcommand mount" -l start-ns -d 'Start in this namespace' -r
complete -c pbsh -n "__fish_pbsh_using_subcommand mount" -l session-keyfile -d 'Key file for encrypted snapshots when browsing (default: the default key, if any)' -r -F
complete -c pbsh -n "__fish_pbsh_using_subcommand mount" -l daemon -d 'Detach a one-shot `pbsh mount` into the background once mounted (the default)'
complete -c pbsh -n "__fish_pbsh_using_subcommand mount" -l foreground -d 'Keep a one-shot `pbsh mount` in the foreground until unmounted or interrupted'
complete -c pbsh -n "__fish_pbsh_using_subcommand mount" -l verbose -d 'Stay in the foreground, as with --foreground (proxmox-backup-client\'s option)'
complete -c pbsh -n "__fish_pbsh_using_subcommand mount" -s h -l help -d 'Print help'
complete -c pbsh -n "__fish_pbsh_using_subcommand umount" -l repository -d 'Repository: [[USER@REALM[!TOKEN]@]HOST[:PORT]:]STORE (a bare STORE is on localhost), or a path (/…, ./…, ../…, ~/…, file:PATH): a local datastore directory or a lone .pxar file (default: $XDG_DATA_HOME/pbsh/datastore)' -r -F
complete -c pbsh -n "__fish_pbsh_using_subcommand umount" -l fingerprint -d 'Expected SHA-256 fingerprint of the server\'s certificate (or PBS_FINGERPRINT)' -r
complete -c pbsh -n "__fish_pbsh_using_subcommand umount" -l start-ns -d 'Start in this namespace' -r
complete -c pbsh -n "__fish_pbsh_using_subcommand umount" -l session-keyfile -d 'Key file for encrypted snapshots when browsing (default: the default key, if any)' -r -F
complete -c pbsh -n "__fish_pbsh_using_subcommand umount" -s h -l help -d 'Print help'
complete -c pbsh -n "__fish_pbsh_using_subcommand map" -l ns -r
complete -c pbsh -n "__fish_pbsh_using_subcommand map" -l keyfile -r -F
complete -c pbsh -n "__fish_pbsh_using_subcommand map" -l cache-size -d 'Chunk cache size, e.g. 64M, 1G (default 64M)' -r
complete -c pbsh -n "__fish_pbsh_using_subcommand map" -l output-format -r -f -a "text\t''
json\t''
json-pretty\t''"
complete -c pbsh -n "__fish_pbsh_using_subcommand map" -l repository -d 'Repository: [[USER@REALM[!TOKEN]@]HOST[:PORT]:]STORE (a bare STORE is on localhost), or a path (/…, ./…, ../…, ~/…, file:PATH): a local datastore directory or a lone .pxar file (default: $XDG_DATA_HOME/pbsh/datastore)' -r -F
complete -c pbsh -n "__fish_pbsh_using_subcommand map" -l fingerprint -d 'Expected SHA-256 fingerprint of the server\'s certificate (or PBS_FINGERPRINT)' -r
complete -c pbsh -n "__fish_pbsh_using_subcommand map" -l start-ns -d 'Start in this namespace' -r
complete -c pbsh -n "__fish_pbsh_using_subcommand map" -l session-keyfile -d 'Key file for encrypted snapshots when browsing (default: the default key, if any)' -r -F
complete -c pbsh -n "__fish_pbsh_using_subcommand map" -l daemon -d 'Detach a one-shot `pbsh mount` into the background once mounted (the default)'
complete -c pbsh -n "__fish_pbsh_using_subcommand map" -l foreground -d 'Keep a one-shot `pbsh mount` in the foreground until unmounted or interrupted'
complete -c pbsh -n "__fish_pbsh_using_subcommand map" -l verbose -d 'Stay in the foreground, as with --foreground (proxmox-backup-client\'s option)'
complete -c pbsh -n "__fish_pbsh_using_subcommand map" -s h -l help -d 'Print help'
complete -c pbsh -n "__fish_pbsh_using_subcommand unmap" -l repository -d 'Repository: [[USER@REALM[!TOKEN]@]HOST[:PORT]:]STORE (a bare STORE is on localhost), or a path (/…, ./…, ../…, ~/…, file:PATH): a local datastore directory or a lone .pxar file (default: $XDG_DATA_HOME/pbsh/datastore)' -r -F
complete -c pbsh -n "__fish_pbsh_using_subcommand unmap" -l fingerprint -d 'Expected SHA-256 fingerprint of the server\'s certificate (or PBS_FINGERPRINT)' -r
complete -c pbsh -n "__fish_pbsh_using_subcommand unmap" -l start-ns -d 'Start in this namespace' -r
complete -c pbsh -n "__fish_pbsh_using_subcommand unmap" -l session-keyfile -d 'Key file for encrypted snapshots when browsing (default: the default key, if any)' -r -F
complete -c pbsh -n "__fish_pbsh_using_subcommand unmap" -s h -l help -d 'Print help'
complete -c pbsh -n "__fish_pbsh_using_subcommand pwd" -l repository -d 'Repository: [[USER@REALM[!TOKEN]@]HOST[:PORT]:]STORE (a bare STORE is on localhost), or a path (/…, ./…, ../…, ~/…, file:PATH): a local datastore directory or a lone .pxar file (default: $XDG_DATA_HOME/pbsh/datastore)' -r -F
complete -c pbsh -n "__fish_pbsh_using_subcommand pwd" -l fingerprint -d 'Expected SHA-256 fingerprint of the server\'s certificate (or PBS_FINGERPRINT)' -r
complete -c pbsh -n "__fish_pbsh_using_subcommand pwd" -l start-ns -d 'Start in this namespace' -r
complete -c pbsh -n "__fish_pbsh_using_subcommand pwd" -l session-keyfile -d 'Key file for encrypted snapshots when browsing (default: the default key, if any)' -r -F
complete -c pbsh -n "__fish_pbsh_using_subcommand pwd" -s h -l help -d 'Print help'
complete -c pbsh -n "__fish_pbsh_using_subcommand cd" -l repository -d 'Repository: [[USER@REALM[!TOKEN]@]HOST[:PORT]:]STORE (a bare STORE is on localhost), or a path (/…, ./…, ../…, ~/…, file:PATH): a local datastore directory or a lone .pxar file (default: $XDG_DATA_HOME/pbsh/datastore)' -r -F
complete -c pbsh -n "__fish_pbsh_using_subcommand cd" -l fingerprint -d 'Expected SHA-256 fingerprint of the server\'s certificate (or PBS_FINGERPRINT)' -r
complete -c pbsh -n "__fish_pbsh_using_subcommand cd" -l start-ns -d 'Start in this namespace' -r
complete -c pbsh -n "__fish_pbsh_using_subcommand cd" -l session-keyfile -d 'Key file for encrypted snapshots when browsing (default: the default key, if any)' -r -F
complete -c pbsh -n "__fish_pbsh_using_subcommand cd" -s h -l help -d 'Print help'
complete -c pbsh -n "__fish_pbsh_using_subcommand ls" -l output-format -r -f -a "text\t''
json\t''
json-pretty\t''"
complete -c pbsh -n "__fish_pbsh_using_subcommand ls" -l repository -d 'Repository: [[USER@REALM[!TOKEN]@]HOST[:PORT]:]STORE (a bare STORE is on localhost), or a path (/…, ./…, ../…, ~/…, file:PATH): a local datastore directory or a lone .pxar file (default: $XDG_DATA_HOME/pbsh/datastore)' -r -F
complete -c pbsh -n "__fish_pbsh_using_subcommand ls" -l fingerprint -d 'Expected SHA-256 fingerprint of the server\'s certificate (or PBS_FINGERPRINT)' -r
complete -c pbsh -n "__fish_pbsh_using_subcommand ls" -l start-ns -d 'Start in this namespace' -r
complete -c pbsh -n "__fish_pbsh_using_subcommand ls" -l session-keyfile -d 'Key file for encrypted snapshots when browsing (default: the default key, if any)' -r -F
complete -c pbsh -n "__fish_pbsh_using_subcommand ls" -s l -d 'Long format: type, mode, owner, size, time, flags'
complete -c pbsh -n "__fish_pbsh_using_subcommand ls" -s a -d 'Show entries whose names start with `.`'
complete -c pbsh -n "__fish_pbsh_using_subcommand ls" -s H -l human-readable -d 'Sizes as 1.5 KiB, 3.2 MiB'
complete -c pbsh -n "__fish_pbsh_using_subcommand ls" -s t -d 'Sort by time, newest first'
complete -c pbsh -n "__fish_pbsh_using_subcommand ls" -s S -d 'Sort by size, largest first'
complete -c pbsh -n "__fish_pbsh_using_subcommand ls" -s r -d 'Reverse the order'
complete -c pbsh -n "__fish_pbsh_using_subcommand ls" -s d -d 'List the directory itself, not its contents'
complete -c pbsh -n "__fish_pbsh_using_subcommand ls" -s h -l help -d 'Print help'
complete -c pbsh -n "__fish_pbsh_using_subcommand tree" -s L -d 'Descend at most this many levels (default: 3 above archives, unlimited inside one)' -r
complete -c pbsh -n "__fish_pbsh_using_subcommand tree" -l repository -d 'Repository: [[USER@REALM[!TOKEN]@]HOST[:PORT]:]STORE (a bare STORE is on localhost), or a path (/…, ./…, ../…, ~/…, file:PATH): a local datastore directory or a lone .pxar file (default: $XDG_DATA_HOME/pbsh/datastore)' -r -F
complete -c pbsh -n "__fish_pbsh_using_subcommand tree" -l fingerprint -d 'Expected SHA-256 fingerprint of the server\'s certificate (or PBS_FINGERPRINT)' -r
complete -c pbsh -n "__fish_pbsh_using_subcommand tree" -l start-ns -d 'Start in this namespace' -r
complete -c pbsh -n "__fish_pbsh_using_subcommand tree" -l session-keyfile -d 'Key file for encrypted snapshots when browsing (default: the default key, if any)' -r -F
complete -c pbsh -n "__fish_pbsh_using_subcommand tree" -s a
complete -c pbsh -n "__fish_pbsh_using_subcommand tree" -s h -l help -d 'Print help'
complete -c pbsh -n "__fish_pbsh_using_subcommand stat" -l output-format -r -f -a "text\t''
json\t''
json-pretty\t''"
complete -c pbsh -n "__fish_pbsh_using_subcommand stat" -l repository -d 'Repository: [[USER@REALM[!TOKEN]@]HOST[:PORT]:]STORE (a bare STORE is on localhost), or a path (/…, ./…, ../…, ~/…, file:PATH): a local datastore directory or a lone .pxar file (default: $XDG_DATA_HOME/pbsh/datastore)' -r -F
complete -c pbsh -n "__fish_pbsh_using_subcommand stat" -l fingerprint -d 'Expected SHA-256 fingerprint of the server\'s certificate (or PBS_FINGERPRINT)' -r
complete -c pbsh -n "__fish_pbsh_using_subcommand stat" -l start-ns -d 'Start in this namespace' -r
complete -c pbsh -n "__fish_pbsh_using_subcommand stat" -l session-keyfile -d 'Key file for encrypted snapshots when browsing (default: the default key, if any)' -r -F
complete -c pbsh -n "__fish_pbsh_using_subcommand stat" -s h -l help -d 'Print help'
complete -c pbsh -n "__fish_pbsh_using_subcommand find" -l name -d 'Match the file name against this glob (`-name` works too)' -r
complete -c pbsh -n "__fish_pbsh_using_subcommand find" -l path -d 'Match the path below the search start against this glob (`**` crosses directories)' -r
complete -c pbsh -n "__fish_pbsh_using_subcommand find" -l type -d 'Only this type: f (file), d (directory), l (symlink), h (hardlink)' -r
complete -c pbsh -n "__fish_pbsh_using_subcommand find" -l output-format -r -f -a "text\t''
json\t''
json-pretty\t''"
complete -c pbsh -n "__fish_pbsh_using_subcommand find" -l repository -d 'Repository: [[USER@REALM[!TOKEN]@]HOST[:PORT]:]STORE (a bare STORE is on localhost), or a path (/…, ./…, ../…, ~/…, file:PATH): a local datastore directory or a lone .pxar file (default: $XDG_DATA_HOME/pbsh/datastore)' -r -F
complete -c pbsh -n "__fish_pbsh_using_subcommand find" -l fingerprint -d 'Expected SHA-256 fingerprint of the server\'s certificate (or PBS_FINGERPRINT)' -r
complete -c pbsh -n "__fish_pbsh_using_subcommand find" -l start-ns -d 'Start in this namespace' -r
complete -c pbsh -n "__fish_pbsh_using_subcommand find" -l session-keyfile -d 'Key file for encrypted snapshots when browsing (default: the default key, if any)' -r -F
complete -c pbsh -n "__fish_pbsh_using_subcommand find" -l select -d 'Add the matches to the selection (`list-selected`, `restore-selected`)'
complete -c pbsh -n "__fish_pbsh_using_subcommand find" -s h -l help -d 'Print help'
complete -c pbsh -n "__fish_pbsh_using_subcommand diff" -l output-format -r -f -a "text\t''
json\t''
json-pretty\t''"
complete -c pbsh -n "__fish_pbsh_using_subcommand diff" -l repository -d 'Repository: [[USER@REALM[!TOKEN]@]HOST[:PORT]:]STORE (a bare STORE is on localhost), or a path (/…, ./…, ../…, ~/…, file:PATH): a local datastore directory or a lone .pxar file (default: $XDG_DATA_HOME/pbsh/datastore)' -r -F
complete -c pbsh -n "__fish_pbsh_using_subcommand diff" -l fingerprint -d 'Expected SHA-256 fingerprint of the server\'s certificate (or PBS_FINGERPRINT)' -r
complete -c pbsh -n "__fish_pbsh_using_subcommand diff" -l start-ns -d 'Start in this namespace' -r
complete -c pbsh -n "__fish_pbsh_using_subcommand diff" -l session-keyfile -d 'Key file for encrypted snapshots when browsing (default: the default key, if any)' -r -F
complete -c pbsh -n "__fish_pbsh_using_subcommand diff" -l content -d 'Also compare the contents of files whose size is equal'
complete -c pbsh -n "__fish_pbsh_using_subcommand diff" -s h -l help -d 'Print help'
complete -c pbsh -n "__fish_pbsh_using_subcommand cat" -l repository -d 'Repository: [[USER@REALM[!TOKEN]@]HOST[:PORT]:]STORE (a bare STORE is on localhost), or a path (/…, ./…, ../…, ~/…, file:PATH): a local datastore directory or a lone .pxar file (default: $XDG_DATA_HOME/pbsh/datastore)' -r -F
complete -c pbsh -n "__fish_pbsh_using_subcommand cat" -l fingerprint -d 'Expected SHA-256 fingerprint of the server\'s certificate (or PBS_FINGERPRINT)' -r
complete -c pbsh -n "__fish_pbsh_using_subcommand cat" -l start-ns -d 'Start in this namespace' -r
complete -c pbsh -n "__fish_pbsh_using_subcommand cat" -l session-keyfile -d 'Key file for encrypted snapshots when browsing (default: the default key, if any)' -r -F
complete -c pbsh -n "__fish_pbsh_using_subcommand cat" -s h -l help -d 'Print help'
complete -c pbsh -n "__fish_pbsh_using_subcommand get" -l repository -d 'Repository: [[USER@REALM[!TOKEN]@]HOST[:PORT]:]STORE (a bare STORE is on localhost), or a path (/…, ./…, ../…, ~/…, file:PATH): a local datastore directory or a lone .pxar file (default: $XDG_DATA_HOME/pbsh/datastore)' -r -F
complete -c pbsh -n "__fish_pbsh_using_subcommand get" -l fingerprint -d 'Expected SHA-256 fingerprint of the server\'s certificate (or PBS_FINGERPRINT)' -r
complete -c pbsh -n "__fish_pbsh_using_subcommand get" -l start-ns -d 'Start in this namespace' -r
complete -c pbsh -n "__fish_pbsh_using_subcommand get" -l session-keyfile -d 'Key file for encrypted snapshots when browsing (default: the default key, if any)' -r -F
complete -c pbsh -n "__fish_pbsh_using_subcommand get" -l overwrite -d 'Replace existing local files'
complete -c pbsh -n "__fish_pbsh_using_subcommand get" -l no-metadata -d 'Do not restore owners and extended attributes'
complete -c pbsh -n "__fish_pbsh_using_subcommand get" -s h -l help -d 'Print help'
complete -c pbsh -n "__fish_pbsh_using_subcommand notes" -l set -r
complete -c pbsh -n "__fish_pbsh_using_subcommand notes" -l repository -d 'Repository: [[USER@REALM[!TOKEN]@]HOST[:PORT]:]STORE (a bare STORE is on localhost), or a path (/…, ./…, ../…, ~/…, file:PATH): a local datastore directory or a lone .pxar file (default: $XDG_DATA_HOME/pbsh/datastore)' -r -F
complete -c pbsh -n "__fish_pbsh_using_subcommand notes" -l fingerprint -d 'Expected SHA-256 fingerprint of the server\'s certificate (or PBS_FINGERPRINT)' -r
complete -c pbsh -n "__fish_pbsh_using_subcommand notes" -l start-ns -d 'Start in this namespace' -r
complete -c pbsh -n "__fish_pbsh_using_subcommand notes" -l session-keyfile -d 'Key file for encrypted snapshots when browsing (default: the default key, if any)' -r -F
complete -c pbsh -n "__fish_pbsh_using_subcommand notes" -s h -l help -d 'Print help'
complete -c pbsh -n "__fish_pbsh_using_subcommand select" -l repository -d 'Repository: [[USER@REALM[!TOKEN]@]HOST[:PORT]:]STORE (a bare STORE is on localhost), or a path (/…, ./…, ../…, ~/…, file:PATH): a local datastore directory or a lone .pxar file (default: $XDG_DATA_HOME/pbsh/datastore)' -r -F
complete -c pbsh -n "__fish_pbsh_using_subcommand select" -l fingerprint -d 'Expected SHA-256 fingerprint of the server\'s certificate (or PBS_FINGERPRINT)' -r
complete -c pbsh -n "__fish_pbsh_using_subcommand select" -l start-ns -d 'Start in this namespace' -r
complete -c pbsh -n "__fish_pbsh_using_subcommand select" -l session-keyfile -d 'Key file for encrypted snapshots when browsing (default: the default key, if any)' -r -F
complete -c pbsh -n "__fish_pbsh_using_subcommand select" -s h -l help -d 'Print help'
complete -c pbsh -n "__fish_pbsh_using_subcommand deselect" -l repository -d 'Repository: [[USER@REALM[!TOKEN]@]HOST[:PORT]:]STORE (a bare STORE is on localhost), or a path (/…, ./…, ../…, ~/…, file:PATH): a local datastore directory or a lone .pxar file (default: $XDG_DATA_HOME/pbsh/datastore)' -r -F
complete -c pbsh -n "__fish_pbsh_using_subcommand deselect" -l fingerprint -d 'Expected SHA-256 fingerprint of the server\'s certificate (or PBS_FINGERPRINT)' -r
complete -c pbsh -n "__fish_pbsh_using_subcommand deselect" -l start-ns -d 'Start in this namespace' -r
complete -c pbsh -n "__fish_pbsh_using_subcommand deselect" -l session-keyfile -d 'Key file for encrypted snapshots when browsing (default: the default key, if any)' -r -F
complete -c pbsh -n "__fish_pbsh_using_subcommand deselect" -s h -l help -d 'Print help'
complete -c pbsh -n "__fish_pbsh_using_subcommand clear-selected" -l repository -d 'Repository: [[USER@REALM[!TOKEN]@]HOST[:PORT]:]STORE (a bare STORE is on localhost), or a path (/…, ./…, ../…, ~/…, file:PATH): a local datastore directory or a lone .pxar file (default: $XDG_DATA_HOME/pbsh/datastore)' -r -F
complete -c pbsh -n "__fish_pbsh_using_subcommand clear-selected" -l fingerprint -d 'Expected SHA-256 fingerprint of the server\'s certificate (or PBS_FINGERPRINT)' -r
complete -c pbsh -n "__fish_pbsh_using_subcommand clear-selected" -l start-ns -d 'Start in this namespace' -r
complete -c pbsh -n "__fish_pbsh_using_subcommand clear-selected" -l session-keyfile -d 'Key file for encrypted snapshots when browsing (default: the default key, if any)' -r -F
complete -c pbsh -n "__fish_pbsh_using_subcommand clear-selected" -s h -l help -d 'Print help'
complete -c pbsh -n "__fish_pbsh_using_subcommand list-selected" -l output-format -r -f -a "text\t''
json\t''
json-pretty\t''"
complete -c pbsh -n "__fish_pbsh_using_subcommand list-selected" -l repository -d 'Repository: [[USER@REALM[!TOKEN]@]HOST[:PORT]:]STORE (a bare STORE is on localhost), or a path (/…, ./…, ../…, ~/…, file:PATH): a local datastore directory or a lone .pxar file (default: $XDG_DATA_HOME/pbsh/datastore)' -r -F
complete -c pbsh -n "__fish_pbsh_using_subcommand list-selected" -l fingerprint -d 'Expected SHA-256 fingerprint of the server\'s certificate (or PBS_FINGERPRINT)' -r
complete -c pbsh -n "__fish_pbsh_using_subcommand list-selected" -l start-ns -d 'Start in this namespace' -r
complete -c pbsh -n "__fish_pbsh_using_subcommand list-selected" -l session-keyfile -d 'Key file for encrypted snapshots when browsing (default: the default key, if any)' -r -F
complete -c pbsh -n "__fish_pbsh_using_subcommand list-selected" -l patterns -d 'Print the selection as match patterns (what `restore --pattern` takes; one `# ARCHIVE` line before each archive\'s when they span several), not the paths they match'
complete -c pbsh -n "__fish_pbsh_using_subcommand list-selected" -s h -l help -d 'Print help'
complete -c pbsh -n "__fish_pbsh_using_subcommand restore-selected" -l repository -d 'Repository: [[USER@REALM[!TOKEN]@]HOST[:PORT]:]STORE (a bare STORE is on localhost), or a path (/…, ./…, ../…, ~/…, file:PATH): a local datastore directory or a lone .pxar file (default: $XDG_DATA_HOME/pbsh/datastore)' -r -F
complete -c pbsh -n "__fish_pbsh_using_subcommand restore-selected" -l fingerprint -d 'Expected SHA-256 fingerprint of the server\'s certificate (or PBS_FINGERPRINT)' -r
complete -c pbsh -n "__fish_pbsh_using_subcommand restore-selected" -l start-ns -d 'Start in this namespace' -r
complete -c pbsh -n "__fish_pbsh_using_subcommand restore-selected" -l session-keyfile -d 'Key file for encrypted snapshots when browsing (default: the default key, if any)' -r -F
complete -c pbsh -n "__fish_pbsh_using_subcommand restore-selected" -l overwrite -d 'Replace existing files'
complete -c pbsh -n "__fish_pbsh_using_subcommand restore-selected" -s h -l help -d 'Print help'
complete -c pbsh -n "__fish_pbsh_using_subcommand history" -l output-format -r -f -a "text\t''
json\t''
json-pretty\t''"
complete -c pbsh -n "__fish_pbsh_using_subcommand history" -l repository -d 'Repository: [[USER@REALM[!TOKEN]@]HOST[:PORT]:]STORE (a bare STORE is on localhost), or a path (/…, ./…, ../…, ~/…, file:PATH): a local datastore directory or a lone .pxar file (default: $XDG_DATA_HOME/pbsh/datastore)' -r -F
complete -c pbsh -n "__fish_pbsh_using_subcommand history" -l fingerprint -d 'Expected SHA-256 fingerprint of the server\'s certificate (or PBS_FINGERPRINT)' -r
complete -c pbsh -n "__fish_pbsh_using_subcommand history" -l start-ns -d 'Start in this namespace' -r
complete -c pbsh -n "__fish_pbsh_using_subcommand history" -l session-keyfile -d 'Key file for encrypted snapshots when browsing (default: the default key, if any)' -r -F
complete -c pbsh -n "__fish_pbsh_using_subcommand history" -s h -l help -d 'Print help'
complete -c pbsh -n "__fish_pbsh_using_subcommand open" -l ns -d 'Start in this namespace' -r
complete -c pbsh -n "__fish_pbsh_using_subcommand open" -l repository -d 'Repository: [[USER@REALM[!TOKEN]@]HOST[:PORT]:]STORE (a bare STORE is on localhost), or a path (/…, ./…, ../…, ~/…, file:PATH): a local datastore directory or a lone .pxar file (default: $XDG_DATA_HOME/pbsh/datastore)' -r -F
complete -c pbsh -n "__fish_pbsh_using_subcommand open" -l fingerprint -d 'Expected SHA-256 fingerprint of the server\'s certificate (or PBS_FINGERPRINT)' -r
complete -c pbsh -n "__fish_pbsh_using_subcommand open" -l start-ns -d 'Start in this namespace' -r
complete -c pbsh -n "__fish_pbsh_using_subcommand open" -l session-keyfile -d 'Key file for encrypted snapshots when browsing (default: the default key, if any)' -r -F
complete -c pbsh -n "__fish_pbsh_using_subcommand open" -s h -l help -d 'Print help'
complete -c pbsh -n "__fish_pbsh_using_subcommand close" -l repository -d 'Repository: [[USER@REALM[!TOKEN]@]HOST[:PORT]:]STORE (a bare STORE is on localhost), or a path (/…, ./…, ../…, ~/…, file:PATH): a local datastore directory or a lone .pxar file (default: $XDG_DATA_HOME/pbsh/datastore)' -r -F
complete -c pbsh -n "__fish_pbsh_using_subcommand close" -l fingerprint -d 'Expected SHA-256 fingerprint of the server\'s certificate (or PBS_FINGERPRINT)' -r
complete -c pbsh -n "__fish_pbsh_using_subcommand close" -l start-ns -d 'Start in this namespace' -r
complete -c pbsh -n "__fish_pbsh_using_subcommand close" -l session-keyfile -d 'Key file for encrypted snapshots when browsing (default: the default key, if any)' -r -F
complete -c pbsh -n "__fish_pbsh_using_subcommand close" -s h -l help -d 'Print help'
complete -c pbsh -n "__fish_pbsh_using_subcommand set" -l repository -d 'Repository: [[USER@REALM[!TOKEN]@]HOST[:PORT]:]STORE (a bare STORE is on localhost), or a path (/…, ./…, ../…, ~/…, file:PATH): a local datastore directory or a lone .pxar file (default: $XDG_DATA_HOME/pbsh/datastore)' -r -F
complete -c pbsh -n "__fish_pbsh_using_subcommand set" -l fingerprint -d 'Expected SHA-256 fingerprint of the server\'s certificate (or PBS_FINGERPRINT)' -r
complete -c pbsh -n "__fish_pbsh_using_subcommand set" -l start-ns -d 'Start in this namespace' -r
complete -c pbsh -n "__fish_pbsh_using_subcommand set" -l session-keyfile -d 'Key file for encrypted snapshots when browsing (default: the default key, if any)' -r -F
complete -c pbsh -n "__fish_pbsh_using_subcommand set" -s h -l help -d 'Print help'
complete -c pbsh -n "__fish_pbsh_using_subcommand login" -l repository -d 'Repository: [[USER@REALM[!TOKEN]@]HOST[:PORT]:]STORE (a bare STORE is on localhost), or a path (/…, ./…, ../…, ~/…, file:PATH): a local datastore directory or a lone .pxar file (default: $XDG_DATA_HOME/pbsh/datastore)' -r -F
complete -c pbsh -n "__fish_pbsh_using_subcommand login" -l fingerprint -d 'Expected SHA-256 fingerprint of the server\'s certificate (or PBS_FINGERPRINT)' -r
complete -c pbsh -n "__fish_pbsh_using_subcommand login" -l start-ns -d 'Start in this namespace' -r
complete -c pbsh -n "__fish_pbsh_using_subcommand login" -l session-keyfile -d 'Key file for encrypted snapshots when browsing (default: the default key, if any)' -r -F
complete -c pbsh -n "__fish_pbsh_using_subcommand login" -s h -l help -d 'Print help'
complete -c pbsh -n "__fish_pbsh_using_subcommand logout" -l repository -d 'Repository: [[USER@REALM[!TOKEN]@]HOST[:PORT]:]STORE (a bare STORE is on localhost), or a path (/…, ./…, ../…, ~/…, file:PATH): a local datastore directory or a lone .pxar file (default: $XDG_DATA_HOME/pbsh/datastore)' -r -F
complete -c pbsh -n "__fish_pbsh_using_subcommand logout" -l fingerprint -d 'Expected SHA-256 fingerprint of the server\'s certificate (or PBS_FINGERPRINT)' -r
complete -c pbsh -n "__fish_pbsh_using_subcommand logout" -l start-ns -d 'Start in this namespace' -r
complete -c pbsh -n "__fish_pbsh_using_subcommand logout" -l session-keyfile -d 'Key file for encrypted snapshots when browsing (default: the default key, if any)' -r -F
complete -c pbsh -n "__fish_pbsh_using_subcommand logout" -s h -l help -d 'Print help'
complete -c pbsh -n "__fish_pbsh_using_subcommand task; and not __fish_seen_subcommand_from list log stop help" -l repository -d 'Repository: [[USER@REALM[!TOKEN]@]HOST[:PORT]:]STORE (a bare STORE is on localhost), or a path (/…, ./…, ../…, ~/…, file:PATH): a local datastore directory or a lone .pxar file (default: $XDG_DATA_HOME/pbsh/datastore)' -r -F
complete -c pbsh -n "__fish_pbsh_using_subcommand task; and not __fish_seen_subcommand_from list log stop help" -l fingerprint -d 'Expected SHA-256 fingerprint of the server\'s certificate (or PBS_FINGERPRINT)' -r
complete -c pbsh -n "__fish_pbsh_using_subcommand task; and not __fish_seen_subcommand_from list log stop help" -l start-ns -d 'Start in this namespace' -r
complete -c pbsh -n "__fish_pbsh_using_subcommand task; and not __fish_seen_subcommand_from list log stop help" -l session-keyfile -d 'Key file for encrypted snapshots when browsing (default: the default key, if any)' -r -F
complete -c pbsh -n "__fish_pbsh_using_subcommand task; and not __fish_seen_subcommand_from list log stop help" -s h -l help -d 'Print help'
complete -c pbsh -n "__fish_pbsh_using_subcommand task; and not __fish_seen_subcommand_from list log stop help" -f -a "list" -d 'List recent tasks of the server'
complete -c pbsh -n "__fish_pbsh_using_subcommand task; and not __fish_seen_subcommand_from list log stop help" -f -a "log" -d 'Print a task\'s log'
complete -c pbsh -n "__fish_pbsh_using_subcommand task; and not __fish_seen_subcommand_from list log stop help" -f -a "stop" -d 'Ask the server to abort a running task'
complete -c pbsh -n "__fish_pbsh_using_subcommand task; and not __fish_seen_subcommand_from list log stop help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c pbsh -n "__fish_pbsh_using_subcommand task; and __fish_seen_subcommand_from list" -l limit -r
complete -c pbsh -n "__fish_pbsh_using_subcommand task; and __fish_seen_subcommand_from list" -l output-format -r -f -a "text\t''
json\t''
json-pretty\t''"
complete -c pbsh -n "__fish_pbsh_using_subcommand task; and __fish_seen_subcommand_from list" -l repository -d 'Repository: [[USER@REALM[!TOKEN]@]HOST[:PORT]:]STORE (a bare STORE is on localhost), or a path (/…, ./…, ../…, ~/…, file:PATH): a local datastore directory or a lone .pxar file (default: $XDG_DATA_HOME/pbsh/datastore)' -r -F
complete -c pbsh -n "__fish_pbsh_using_subcommand task; and __fish_seen_subcommand_from list" -l fingerprint -d 'Expected SHA-256 fingerprint of the server\'s certificate (or PBS_FINGERPRINT)' -r
complete -c pbsh -n "__fish_pbsh_using_subcommand task; and __fish_seen_subcommand_from list" -l start-ns -d 'Start in this namespace' -r
complete -c pbsh -n "__fish_pbsh_using_subcommand task; and __fish_seen_subcommand_from list" -l session-keyfile -d 'Key file for encrypted snapshots when browsing (default: the default key, if any)' -r -F
complete -c pbsh -n "__fish_pbsh_using_subcommand task; and __fish_seen_subcommand_from list" -l all -d 'Also the tasks that have ended (as proxmox-backup-client: only running ones without)'
complete -c pbsh -n "__fish_pbsh_using_subcommand task; and __fish_seen_subcommand_from list" -l all-users -d 'Tasks of every user, not only this one\'s (needs Sys.Audit)'
complete -c pbsh -n "__fish_pbsh_using_subcommand task; and __fish_seen_subcommand_from list" -s h -l help -d 'Print help'
complete -c pbsh -n "__fish_pbsh_using_subcommand task; and __fish_seen_subcommand_from log" -l repository -d 'Repository: [[USER@REALM[!TOKEN]@]HOST[:PORT]:]STORE (a bare STORE is on localhost), or a path (/…, ./…, ../…, ~/…, file:PATH): a local datastore directory or a lone .pxar file (default: $XDG_DATA_HOME/pbsh/datastore)' -r -F
complete -c pbsh -n "__fish_pbsh_using_subcommand task; and __fish_seen_subcommand_from log" -l fingerprint -d 'Expected SHA-256 fingerprint of the server\'s certificate (or PBS_FINGERPRINT)' -r
complete -c pbsh -n "__fish_pbsh_using_subcommand task; and __fish_seen_subcommand_from log" -l start-ns -d 'Start in this namespace' -r
complete -c pbsh -n "__fish_pbsh_using_subcommand task; and __fish_seen_subcommand_from log" -l session-keyfile -d 'Key file for encrypted snapshots when browsing (default: the default key, if any)' -r -F
complete -c pbsh -n "__fish_pbsh_using_subcommand task; and __fish_seen_subcommand_from log" -l follow -d 'Keep printing until the task ends'
complete -c pbsh -n "__fish_pbsh_using_subcommand task; and __fish_seen_subcommand_from log" -s h -l help -d 'Print help'
complete -c pbsh -n "__fish_pbsh_using_subcommand task; and __fish_seen_subcommand_from stop" -l repository -d 'Repository: [[USER@REALM[!TOKEN]@]HOST[:PORT]:]STORE (a bare STORE is on localhost), or a path (/…, ./…, ../…, ~/…, file:PATH): a local datastore directory or a lone .pxar file (default: $XDG_DATA_HOME/pbsh/datastore)' -r -F
complete -c pbsh -n "__fish_pbsh_using_subcommand task; and __fish_seen_subcommand_from stop" -l fingerprint -d 'Expected SHA-256 fingerprint of the server\'s certificate (or PBS_FINGERPRINT)' -r
complete -c pbsh -n "__fish_pbsh_using_subcommand task; and __fish_seen_subcommand_from stop" -l start-ns -d 'Start in this namespace' -r
complete -c pbsh -n "__fish_pbsh_using_subcommand task; and __fish_seen_subcommand_from stop" -l session-keyfile -d 'Key file for encrypted snapshots when browsing (default: the default key, if any)' -r -F
complete -c pbsh -n "__fish_pbsh_using_subcommand task; and __fish_seen_subcommand_from stop" -s h -l help -d 'Print help'
complete -c pbsh -n "__fish_pbsh_using_subcommand task; and __fish_seen_subcommand_from help" -f -a "list" -d 'List recent tasks of the server'
complete -c pbsh -n "__fish_pbsh_using_subcommand task; and __fish_seen_subcommand_from help" -f -a "log" -d 'Print a task\'s log'
complete -c pbsh -n "__fish_pbsh_using_subcommand task; and __fish_seen_subcommand_from help" -f -a "stop" -d 'Ask the server to abort a running task'
complete -c pbsh -n "__fish_pbsh_using_subcommand task; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c pbsh -n "__fish_pbsh_using_subcommand lcd" -l repository -d 'Repository: [[USER@REALM[!TOKEN]@]HOST[:PORT]:]STORE (a bare STORE is on localhost), or a path (/…, ./…, ../…, ~/…, file:PATH): a local datastore directory or a lone .pxar file (default: $XDG_DATA_HOME/pbsh/datastore)' -r -F
complete -c pbsh -n "__fish_pbsh_using_subcommand lcd" -l fingerprint -d 'Expected SHA-256 fingerprint of the server\'s certificate (or PBS_FINGERPRINT)' -r
complete -c pbsh -n "__fish_pbsh_using_subcommand lcd" -l start-ns -d 'Start in this namespace' -r
complete -c pbsh -n "__fish_pbsh_using_subcommand lcd" -l session-keyfile -d 'Key file for encrypted snapshots when browsing (default: the default key, if any)' -r -F
complete -c pbsh -n "__fish_pbsh_using_subcommand lcd" -s h -l help -d 'Print help'
complete -c pbsh -n "__fish_pbsh_using_subcommand lpwd" -l repository -d 'Repository: [[USER@REALM[!TOKEN]@]HOST[:PORT]:]STORE (a bare STORE is on localhost), or a path (/…, ./…, ../…, ~/…, file:PATH): a local datastore directory or a lone .pxar file (default: $XDG_DATA_HOME/pbsh/datastore)' -r -F
complete -c pbsh -n "__fish_pbsh_using_subcommand lpwd" -l fingerprint -d 'Expected SHA-256 fingerprint of the server\'s certificate (or PBS_FINGERPRINT)' -r
complete -c pbsh -n "__fish_pbsh_using_subcommand lpwd" -l start-ns -d 'Start in this namespace' -r
complete -c pbsh -n "__fish_pbsh_using_subcommand lpwd" -l session-keyfile -d 'Key file for encrypted snapshots when browsing (default: the default key, if any)' -r -F
complete -c pbsh -n "__fish_pbsh_using_subcommand lpwd" -s h -l help -d 'Print help'
complete -c pbsh -n "__fish_pbsh_using_subcommand lls" -l repository -d 'Repository: [[USER@REALM[!TOKEN]@]HOST[:PORT]:]STORE (a bare STORE is on localhost), or a path (/…, ./…, ../…, ~/…, file:PATH): a local datastore directory or a lone .pxar file (default: $XDG_DATA_HOME/pbsh/datastore)' -r -F
complete -c pbsh -n "__fish_pbsh_using_subcommand lls" -l fingerprint -d 'Expected SHA-256 fingerprint of the server\'s certificate (or PBS_FINGERPRINT)' -r
complete -c pbsh -n "__fish_pbsh_using_subcommand lls" -l start-ns -d 'Start in this namespace' -r
complete -c pbsh -n "__fish_pbsh_using_subcommand lls" -l session-keyfile -d 'Key file for encrypted snapshots when browsing (default: the default key, if any)' -r -F
complete -c pbsh -n "__fish_pbsh_using_subcommand lls" -s h -l help -d 'Print help'
complete -c pbsh -n "__fish_pbsh_using_subcommand completion" -l repository -d 'Repository: [[USER@REALM[!TOKEN]@]HOST[:PORT]:]STORE (a bare STORE is on localhost), or a path (/…, ./…, ../…, ~/…, file:PATH): a local datastore directory or a lone .pxar file (default: $XDG_DATA_HOME/pbsh/datastore)' -r -F
complete -c pbsh -n "__fish_pbsh_using_subcommand completion" -l fingerprint -d 'Expected SHA-256 fingerprint of the server\'s certificate (or PBS_FINGERPRINT)' -r
complete -c pbsh -n "__fish_pbsh_using_subcommand completion" -l start-ns -d 'Start in this namespace' -r
complete -c pbsh -n "__fish_pbsh_using_subcommand completion" -l session-keyfile -d 'Key file for encrypted snapshots when browsing (default: the default key, if any)' -r -F
complete -c pbsh -n "__fish_pbsh_using_subcommand completion" -s h -l help -d 'Print help'
complete -c pbsh -n "__fish_pbsh_using_subcommand exit" -l repository -d 'Repository: [[USER@REALM[!TOKEN]@]HOST[:PORT]:]STORE (a bare STORE is on localhost), or a path (/…, ./…, ../…, ~/…, file:PATH): a local datastore directory or a lone .pxar file (default: $XDG_DATA_HOME/pbsh/datastore)' -r -F
complete -c pbsh -n "__fish_pbsh_using_subcommand exit" -l fingerprint -d 'Expected SHA-256 fingerprint of the server\'s certificate (or PBS_FINGERPRINT)' -r
complete -c pbsh -n "__fish_pbsh_using_subcommand exit" -l start-ns -d 'Start in this namespace' -r
complete -c pbsh -n "__fish_pbsh_using_subcommand exit" -l session-keyfile -d 'Key file for encrypted snapshots when browsing (default: the default key, if any)' -r -F
complete -c pbsh -n "__fish_pbsh_using_subcommand exit" -s h -l help -d 'Print help'
complete -c pbsh -n "__fish_pbsh_using_subcommand help; and not __fish_seen_subcommand_from key backup restore list snapshot forget protect change-owner version unprotect ns prune garbage-collect verify status datastore catalog bench mount umount map unmap pwd cd ls tree stat find diff cat get notes select deselect clear-selected list-selected restore-selected history open close set login logout task lcd lpwd lls completion exit help" -f -a "key" -d 'Manage encryption keys (passphrase keys, RSA master keys, paperkeys)'
complete -c pbsh -n "__fish_pbsh_using_subcommand help; and not __fish_seen_subcommand_from key backup restore list snapshot forget protect change-owner version unprotect ns prune garbage-collect verify status datastore catalog bench mount umount map unmap pwd cd ls tree stat find diff cat get notes select deselect clear-selected list-selected restore-selected history open close set login logout task lcd lpwd lls completion exit help" -f -a "backup" -d 'Back up directories (NAME.pxar:DIR), images (NAME.img:FILE) and files into a new snapshot'
complete -c pbsh -n "__fish_pbsh_using_subcommand help; and not __fish_seen_subcommand_from key backup restore list snapshot forget protect change-owner version unprotect ns prune garbage-collect verify status datastore catalog bench mount umount map unmap pwd cd ls tree stat find diff cat get notes select deselect clear-selected list-selected restore-selected history open close set login logout task lcd lpwd lls completion exit help" -f -a "restore" -d 'Restore an archive of a snapshot to a directory, a file, or `-` for standard output'
complete -c pbsh -n "__fish_pbsh_using_subcommand help; and not __fish_seen_subcommand_from key backup restore list snapshot forget protect change-owner version unprotect ns prune garbage-collect verify status datastore catalog bench mount umount map unmap pwd cd ls tree stat find diff cat get notes select deselect clear-selected list-selected restore-selected history open close set login logout task lcd lpwd lls completion exit help" -f -a "list" -d 'List backup groups'
complete -c pbsh -n "__fish_pbsh_using_subcommand help; and not __fish_seen_subcommand_from key backup restore list snapshot forget protect change-owner version unprotect ns prune garbage-collect verify status datastore catalog bench mount umount map unmap pwd cd ls tree stat find diff cat get notes select deselect clear-selected list-selected restore-selected history open close set login logout task lcd lpwd lls completion exit help" -f -a "snapshot" -d 'Snapshot management: list, files, forget, protected, notes'
complete -c pbsh -n "__fish_pbsh_using_subcommand help; and not __fish_seen_subcommand_from key backup restore list snapshot forget protect change-owner version unprotect ns prune garbage-collect verify status datastore catalog bench mount umount map unmap pwd cd ls tree stat find diff cat get notes select deselect clear-selected list-selected restore-selected history open close set login logout task lcd lpwd lls completion exit help" -f -a "forget" -d 'Remove a snapshot (TYPE/ID/TIME) or a whole group (TYPE/ID)'
complete -c pbsh -n "__fish_pbsh_using_subcommand help; and not __fish_seen_subcommand_from key backup restore list snapshot forget protect change-owner version unprotect ns prune garbage-collect verify status datastore catalog bench mount umount map unmap pwd cd ls tree stat find diff cat get notes select deselect clear-selected list-selected restore-selected history open close set login logout task lcd lpwd lls completion exit help" -f -a "protect" -d 'Protect a snapshot from forget and prune'
complete -c pbsh -n "__fish_pbsh_using_subcommand help; and not __fish_seen_subcommand_from key backup restore list snapshot forget protect change-owner version unprotect ns prune garbage-collect verify status datastore catalog bench mount umount map unmap pwd cd ls tree stat find diff cat get notes select deselect clear-selected list-selected restore-selected history open close set login logout task lcd lpwd lls completion exit help" -f -a "change-owner" -d 'Give a group to another owner (a user or API token): `change-owner TYPE/ID NEW_OWNER`'
complete -c pbsh -n "__fish_pbsh_using_subcommand help; and not __fish_seen_subcommand_from key backup restore list snapshot forget protect change-owner version unprotect ns prune garbage-collect verify status datastore catalog bench mount umount map unmap pwd cd ls tree stat find diff cat get notes select deselect clear-selected list-selected restore-selected history open close set login logout task lcd lpwd lls completion exit help" -f -a "version" -d 'pbsh\'s version and, for a remote repository, the server\'s'
complete -c pbsh -n "__fish_pbsh_using_subcommand help; and not __fish_seen_subcommand_from key backup restore list snapshot forget protect change-owner version unprotect ns prune garbage-collect verify status datastore catalog bench mount umount map unmap pwd cd ls tree stat find diff cat get notes select deselect clear-selected list-selected restore-selected history open close set login logout task lcd lpwd lls completion exit help" -f -a "unprotect" -d 'Remove a snapshot\'s protection'
complete -c pbsh -n "__fish_pbsh_using_subcommand help; and not __fish_seen_subcommand_from key backup restore list snapshot forget protect change-owner version unprotect ns prune garbage-collect verify status datastore catalog bench mount umount map unmap pwd cd ls tree stat find diff cat get notes select deselect clear-selected list-selected restore-selected history open close set login logout task lcd lpwd lls completion exit help" -f -a "ns" -d 'Namespaces: list, create, delete'
complete -c pbsh -n "__fish_pbsh_using_subcommand help; and not __fish_seen_subcommand_from key backup restore list snapshot forget protect change-owner version unprotect ns prune garbage-collect verify status datastore catalog bench mount umount map unmap pwd cd ls tree stat find diff cat get notes select deselect clear-selected list-selected restore-selected history open close set login logout task lcd lpwd lls completion exit help" -f -a "prune" -d 'Remove the snapshots of a group that the --keep-… rules do not keep'
complete -c pbsh -n "__fish_pbsh_using_subcommand help; and not __fish_seen_subcommand_from key backup restore list snapshot forget protect change-owner version unprotect ns prune garbage-collect verify status datastore catalog bench mount umount map unmap pwd cd ls tree stat find diff cat get notes select deselect clear-selected list-selected restore-selected history open close set login logout task lcd lpwd lls completion exit help" -f -a "garbage-collect" -d 'Remove chunks no snapshot references (older than the 24 h grace period)'
complete -c pbsh -n "__fish_pbsh_using_subcommand help; and not __fish_seen_subcommand_from key backup restore list snapshot forget protect change-owner version unprotect ns prune garbage-collect verify status datastore catalog bench mount umount map unmap pwd cd ls tree stat find diff cat get notes select deselect clear-selected list-selected restore-selected history open close set login logout task lcd lpwd lls completion exit help" -f -a "verify" -d 'Check snapshots: manifests, indexes and every chunk'
complete -c pbsh -n "__fish_pbsh_using_subcommand help; and not __fish_seen_subcommand_from key backup restore list snapshot forget protect change-owner version unprotect ns prune garbage-collect verify status datastore catalog bench mount umount map unmap pwd cd ls tree stat find diff cat get notes select deselect clear-selected list-selected restore-selected history open close set login logout task lcd lpwd lls completion exit help" -f -a "status" -d 'Datastore usage and deduplication factor'
complete -c pbsh -n "__fish_pbsh_using_subcommand help; and not __fish_seen_subcommand_from key backup restore list snapshot forget protect change-owner version unprotect ns prune garbage-collect verify status datastore catalog bench mount umount map unmap pwd cd ls tree stat find diff cat get notes select deselect clear-selected list-selected restore-selected history open close set login logout task lcd lpwd lls completion exit help" -f -a "datastore" -d 'Create a local datastore directory (`--full` makes all 65,536 chunk directories, as PBS does)'
complete -c pbsh -n "__fish_pbsh_using_subcommand help; and not __fish_seen_subcommand_from key backup restore list snapshot forget protect change-owner version unprotect ns prune garbage-collect verify status datastore catalog bench mount umount map unmap pwd cd ls tree stat find diff cat get notes select deselect clear-selected list-selected restore-selected history open close set login logout task lcd lpwd lls completion exit help" -f -a "catalog" -d 'The catalog of a snapshot: `catalog dump SNAPSHOT`'
complete -c pbsh -n "__fish_pbsh_using_subcommand help; and not __fish_seen_subcommand_from key backup restore list snapshot forget protect change-owner version unprotect ns prune garbage-collect verify status datastore catalog bench mount umount map unmap pwd cd ls tree stat find diff cat get notes select deselect clear-selected list-selected restore-selected history open close set login logout task lcd lpwd lls completion exit help" -f -a "bench" -d 'Measure this machine\'s hashing, compression, encryption, chunking and pipeline speed'
complete -c pbsh -n "__fish_pbsh_using_subcommand help; and not __fish_seen_subcommand_from key backup restore list snapshot forget protect change-owner version unprotect ns prune garbage-collect verify status datastore catalog bench mount umount map unmap pwd cd ls tree stat find diff cat get notes select deselect clear-selected list-selected restore-selected history open close set login logout task lcd lpwd lls completion exit help" -f -a "mount" -d 'Mount an archive read-only: `mount SNAPSHOT ARCHIVE MOUNTPOINT`; alone: list mounts'
complete -c pbsh -n "__fish_pbsh_using_subcommand help; and not __fish_seen_subcommand_from key backup restore list snapshot forget protect change-owner version unprotect ns prune garbage-collect verify status datastore catalog bench mount umount map unmap pwd cd ls tree stat find diff cat get notes select deselect clear-selected list-selected restore-selected history open close set login logout task lcd lpwd lls completion exit help" -f -a "umount" -d 'Unmount a mount of this session'
complete -c pbsh -n "__fish_pbsh_using_subcommand help; and not __fish_seen_subcommand_from key backup restore list snapshot forget protect change-owner version unprotect ns prune garbage-collect verify status datastore catalog bench mount umount map unmap pwd cd ls tree stat find diff cat get notes select deselect clear-selected list-selected restore-selected history open close set login logout task lcd lpwd lls completion exit help" -f -a "map" -d 'Map an image as a file: `map SNAPSHOT IMAGE.img [MOUNTDIR]`; alone: list maps'
complete -c pbsh -n "__fish_pbsh_using_subcommand help; and not __fish_seen_subcommand_from key backup restore list snapshot forget protect change-owner version unprotect ns prune garbage-collect verify status datastore catalog bench mount umount map unmap pwd cd ls tree stat find diff cat get notes select deselect clear-selected list-selected restore-selected history open close set login logout task lcd lpwd lls completion exit help" -f -a "unmap" -d 'Unmap an image mapped by this session (by its mount directory)'
complete -c pbsh -n "__fish_pbsh_using_subcommand help; and not __fish_seen_subcommand_from key backup restore list snapshot forget protect change-owner version unprotect ns prune garbage-collect verify status datastore catalog bench mount umount map unmap pwd cd ls tree stat find diff cat get notes select deselect clear-selected list-selected restore-selected history open close set login logout task lcd lpwd lls completion exit help" -f -a "pwd" -d 'Print the current location in the tree'
complete -c pbsh -n "__fish_pbsh_using_subcommand help; and not __fish_seen_subcommand_from key backup restore list snapshot forget protect change-owner version unprotect ns prune garbage-collect verify status datastore catalog bench mount umount map unmap pwd cd ls tree stat find diff cat get notes select deselect clear-selected list-selected restore-selected history open close set login logout task lcd lpwd lls completion exit help" -f -a "cd" -d 'Change directory in the tree (`..`, `~`, `-`, globs; see `help paths`)'
complete -c pbsh -n "__fish_pbsh_using_subcommand help; and not __fish_seen_subcommand_from key backup restore list snapshot forget protect change-owner version unprotect ns prune garbage-collect verify status datastore catalog bench mount umount map unmap pwd cd ls tree stat find diff cat get notes select deselect clear-selected list-selected restore-selected history open close set login logout task lcd lpwd lls completion exit help" -f -a "ls" -d 'List a directory of the tree: datastores, namespaces, groups, snapshots, archives, files'
complete -c pbsh -n "__fish_pbsh_using_subcommand help; and not __fish_seen_subcommand_from key backup restore list snapshot forget protect change-owner version unprotect ns prune garbage-collect verify status datastore catalog bench mount umount map unmap pwd cd ls tree stat find diff cat get notes select deselect clear-selected list-selected restore-selected history open close set login logout task lcd lpwd lls completion exit help" -f -a "tree" -d 'Show a subtree'
complete -c pbsh -n "__fish_pbsh_using_subcommand help; and not __fish_seen_subcommand_from key backup restore list snapshot forget protect change-owner version unprotect ns prune garbage-collect verify status datastore catalog bench mount umount map unmap pwd cd ls tree stat find diff cat get notes select deselect clear-selected list-selected restore-selected history open close set login logout task lcd lpwd lls completion exit help" -f -a "stat" -d 'Show everything known about a node'
complete -c pbsh -n "__fish_pbsh_using_subcommand help; and not __fish_seen_subcommand_from key backup restore list snapshot forget protect change-owner version unprotect ns prune garbage-collect verify status datastore catalog bench mount umount map unmap pwd cd ls tree stat find diff cat get notes select deselect clear-selected list-selected restore-selected history open close set login logout task lcd lpwd lls completion exit help" -f -a "find" -d 'Find files inside archives by name or path glob; at a group, across every snapshot'
complete -c pbsh -n "__fish_pbsh_using_subcommand help; and not __fish_seen_subcommand_from key backup restore list snapshot forget protect change-owner version unprotect ns prune garbage-collect verify status datastore catalog bench mount umount map unmap pwd cd ls tree stat find diff cat get notes select deselect clear-selected list-selected restore-selected history open close set login logout task lcd lpwd lls completion exit help" -f -a "diff" -d 'Added, removed and changed files between two snapshots (from their catalogs)'
complete -c pbsh -n "__fish_pbsh_using_subcommand help; and not __fish_seen_subcommand_from key backup restore list snapshot forget protect change-owner version unprotect ns prune garbage-collect verify status datastore catalog bench mount umount map unmap pwd cd ls tree stat find diff cat get notes select deselect clear-selected list-selected restore-selected history open close set login logout task lcd lpwd lls completion exit help" -f -a "cat" -d 'Print files from archives (or image, blob and catalog archives) to standard output'
complete -c pbsh -n "__fish_pbsh_using_subcommand help; and not __fish_seen_subcommand_from key backup restore list snapshot forget protect change-owner version unprotect ns prune garbage-collect verify status datastore catalog bench mount umount map unmap pwd cd ls tree stat find diff cat get notes select deselect clear-selected list-selected restore-selected history open close set login logout task lcd lpwd lls completion exit help" -f -a "get" -d 'Copy files or directories out of archives to a local path, with their metadata'
complete -c pbsh -n "__fish_pbsh_using_subcommand help; and not __fish_seen_subcommand_from key backup restore list snapshot forget protect change-owner version unprotect ns prune garbage-collect verify status datastore catalog bench mount umount map unmap pwd cd ls tree stat find diff cat get notes select deselect clear-selected list-selected restore-selected history open close set login logout task lcd lpwd lls completion exit help" -f -a "notes" -d 'Show a snapshot\'s notes, or set them with --set'
complete -c pbsh -n "__fish_pbsh_using_subcommand help; and not __fish_seen_subcommand_from key backup restore list snapshot forget protect change-owner version unprotect ns prune garbage-collect verify status datastore catalog bench mount umount map unmap pwd cd ls tree stat find diff cat get notes select deselect clear-selected list-selected restore-selected history open close set login logout task lcd lpwd lls completion exit help" -f -a "select" -d 'Add paths inside archives to the selection'
complete -c pbsh -n "__fish_pbsh_using_subcommand help; and not __fish_seen_subcommand_from key backup restore list snapshot forget protect change-owner version unprotect ns prune garbage-collect verify status datastore catalog bench mount umount map unmap pwd cd ls tree stat find diff cat get notes select deselect clear-selected list-selected restore-selected history open close set login logout task lcd lpwd lls completion exit help" -f -a "deselect" -d 'Remove paths from the selection'
complete -c pbsh -n "__fish_pbsh_using_subcommand help; and not __fish_seen_subcommand_from key backup restore list snapshot forget protect change-owner version unprotect ns prune garbage-collect verify status datastore catalog bench mount umount map unmap pwd cd ls tree stat find diff cat get notes select deselect clear-selected list-selected restore-selected history open close set login logout task lcd lpwd lls completion exit help" -f -a "clear-selected" -d 'Empty the selection'
complete -c pbsh -n "__fish_pbsh_using_subcommand help; and not __fish_seen_subcommand_from key backup restore list snapshot forget protect change-owner version unprotect ns prune garbage-collect verify status datastore catalog bench mount umount map unmap pwd cd ls tree stat find diff cat get notes select deselect clear-selected list-selected restore-selected history open close set login logout task lcd lpwd lls completion exit help" -f -a "list-selected" -d 'List the selection: the paths selected and what selected patterns match'
complete -c pbsh -n "__fish_pbsh_using_subcommand help; and not __fish_seen_subcommand_from key backup restore list snapshot forget protect change-owner version unprotect ns prune garbage-collect verify status datastore catalog bench mount umount map unmap pwd cd ls tree stat find diff cat get notes select deselect clear-selected list-selected restore-selected history open close set login logout task lcd lpwd lls completion exit help" -f -a "restore-selected" -d 'Restore everything selected into a local directory'
complete -c pbsh -n "__fish_pbsh_using_subcommand help; and not __fish_seen_subcommand_from key backup restore list snapshot forget protect change-owner version unprotect ns prune garbage-collect verify status datastore catalog bench mount umount map unmap pwd cd ls tree stat find diff cat get notes select deselect clear-selected list-selected restore-selected history open close set login logout task lcd lpwd lls completion exit help" -f -a "history" -d 'Without PATH: the command history. With PATH: every version of a file across its group'
complete -c pbsh -n "__fish_pbsh_using_subcommand help; and not __fish_seen_subcommand_from key backup restore list snapshot forget protect change-owner version unprotect ns prune garbage-collect verify status datastore catalog bench mount umount map unmap pwd cd ls tree stat find diff cat get notes select deselect clear-selected list-selected restore-selected history open close set login logout task lcd lpwd lls completion exit help" -f -a "open" -d 'Open another repository in this session: HOST:STORE (a bare STORE is on localhost), a local datastore path (/…, ./…, ../…, ~/…, file:PATH) or a lone .pxar file (read-only)'
complete -c pbsh -n "__fish_pbsh_using_subcommand help; and not __fish_seen_subcommand_from key backup restore list snapshot forget protect change-owner version unprotect ns prune garbage-collect verify status datastore catalog bench mount umount map unmap pwd cd ls tree stat find diff cat get notes select deselect clear-selected list-selected restore-selected history open close set login logout task lcd lpwd lls completion exit help" -f -a "close" -d 'Close the repository and go back to the default local datastore'
complete -c pbsh -n "__fish_pbsh_using_subcommand help; and not __fish_seen_subcommand_from key backup restore list snapshot forget protect change-owner version unprotect ns prune garbage-collect verify status datastore catalog bench mount umount map unmap pwd cd ls tree stat find diff cat get notes select deselect clear-selected list-selected restore-selected history open close set login logout task lcd lpwd lls completion exit help" -f -a "set" -d 'Session settings: `set -e off` (keep going after errors), `set keyfile PATH`, `set color off`'
complete -c pbsh -n "__fish_pbsh_using_subcommand help; and not __fish_seen_subcommand_from key backup restore list snapshot forget protect change-owner version unprotect ns prune garbage-collect verify status datastore catalog bench mount umount map unmap pwd cd ls tree stat find diff cat get notes select deselect clear-selected list-selected restore-selected history open close set login logout task lcd lpwd lls completion exit help" -f -a "login" -d 'Log in to a remote repository (local datastores need none)'
complete -c pbsh -n "__fish_pbsh_using_subcommand help; and not __fish_seen_subcommand_from key backup restore list snapshot forget protect change-owner version unprotect ns prune garbage-collect verify status datastore catalog bench mount umount map unmap pwd cd ls tree stat find diff cat get notes select deselect clear-selected list-selected restore-selected history open close set login logout task lcd lpwd lls completion exit help" -f -a "logout" -d 'Forget the remote ticket'
complete -c pbsh -n "__fish_pbsh_using_subcommand help; and not __fish_seen_subcommand_from key backup restore list snapshot forget protect change-owner version unprotect ns prune garbage-collect verify status datastore catalog bench mount umount map unmap pwd cd ls tree stat find diff cat get notes select deselect clear-selected list-selected restore-selected history open close set login logout task lcd lpwd lls completion exit help" -f -a "task" -d 'Server tasks: `task list`, `task log UPID [--follow]`, `task stop UPID`'
complete -c pbsh -n "__fish_pbsh_using_subcommand help; and not __fish_seen_subcommand_from key backup restore list snapshot forget protect change-owner version unprotect ns prune garbage-collect verify status datastore catalog bench mount umount map unmap pwd cd ls tree stat find diff cat get notes select deselect clear-selected list-selected restore-selected history open close set login logout task lcd lpwd lls completion exit help" -f -a "lcd" -d 'Change the local working directory'
complete -c pbsh -n "__fish_pbsh_using_subcommand help; and not __fish_seen_subcommand_from key backup restore list snapshot forget protect change-owner version unprotect ns prune garbage-collect verify status datastore catalog bench mount umount map unmap pwd cd ls tree stat find diff cat get notes select deselect clear-selected list-selected restore-selected history open close set login logout task lcd lpwd lls completion exit help" -f -a "lpwd" -d 'Print the local working directory'
complete -c pbsh -n "__fish_pbsh_using_subcommand help; and not __fish_seen_subcommand_from key backup restore list snapshot forget protect change-owner version unprotect ns prune garbage-collect verify status datastore catalog bench mount umount map unmap pwd cd ls tree stat find diff cat get notes select deselect clear-selected list-selected restore-selected history open close set login logout task lcd lpwd lls completion exit help" -f -a "lls" -d 'List local files (runs ls)'
complete -c pbsh -n "__fish_pbsh_using_subcommand help; and not __fish_seen_subcommand_from key backup restore list snapshot forget protect change-owner version unprotect ns prune garbage-collect verify status datastore catalog bench mount umount map unmap pwd cd ls tree stat find diff cat get notes select deselect clear-selected list-selected restore-selected history open close set login logout task lcd lpwd lls completion exit help" -f -a "completion" -d 'Print the completion script of the one-shot command line for bash, zsh or fish'
complete -c pbsh -n "__fish_pbsh_using_subcommand help; and not __fish_seen_subcommand_from key backup restore list snapshot forget protect change-owner version unprotect ns prune garbage-collect verify status datastore catalog bench mount umount map unmap pwd cd ls tree stat find diff cat get notes select deselect clear-selected list-selected restore-selected history open close set login logout task lcd lpwd lls completion exit help" -f -a "exit" -d 'Leave the shell'
complete -c pbsh -n "__fish_pbsh_using_subcommand help; and not __fish_seen_subcommand_from key backup restore list snapshot forget protect change-owner version unprotect ns prune garbage-collect verify status datastore catalog bench mount umount map unmap pwd cd ls tree stat find diff cat get notes select deselect clear-selected list-selected restore-selected history open close set login logout task lcd lpwd lls completion exit help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c pbsh -n "__fish_pbsh_using_subcommand help; and __fish_seen_subcommand_from key" -f -a "create" -d 'Create a new encryption key (default: ~/.config/proxmox-backup/encryption-key.json)'
complete -c pbsh -n "__fish_pbsh_using_subcommand help; and __fish_seen_subcommand_from key" -f -a "create-master-key" -d 'Create an RSA master key pair (master-public.pem, master-private.pem) in the current directory'
complete -c pbsh -n "__fish_pbsh_using_subcommand help; and __fish_seen_subcommand_from key" -f -a "import-with-master-key" -d 'Import an encryption key recovered with the RSA master private key: `[PATH] --encrypted-keyfile FILE --master-keyfile PEM` (as PBS), or `MASTER_KEYFILE ENCRYPTED_KEYFILE [PATH]`'
complete -c pbsh -n "__fish_pbsh_using_subcommand help; and __fish_seen_subcommand_from key" -f -a "change-passphrase" -d 'Change the passphrase (and KDF) of a key file'
complete -c pbsh -n "__fish_pbsh_using_subcommand help; and __fish_seen_subcommand_from key" -f -a "show" -d 'Show a key file\'s metadata (no passphrase needed)'
complete -c pbsh -n "__fish_pbsh_using_subcommand help; and __fish_seen_subcommand_from key" -f -a "paperkey" -d 'Print a key file or master private key for paper backup'
complete -c pbsh -n "__fish_pbsh_using_subcommand help; and __fish_seen_subcommand_from key" -f -a "show-master-pubkey" -d 'Show the RSA master public key\'s modulus, exponent and length'
complete -c pbsh -n "__fish_pbsh_using_subcommand help; and __fish_seen_subcommand_from key" -f -a "import-master-pubkey" -d 'Install a master public key as the default one'
complete -c pbsh -n "__fish_pbsh_using_subcommand help; and __fish_seen_subcommand_from snapshot" -f -a "list" -d 'List snapshots (of one group, or all)'
complete -c pbsh -n "__fish_pbsh_using_subcommand help; and __fish_seen_subcommand_from snapshot" -f -a "files" -d 'List a snapshot\'s files'
complete -c pbsh -n "__fish_pbsh_using_subcommand help; and __fish_seen_subcommand_from snapshot" -f -a "forget" -d 'Remove a snapshot'
complete -c pbsh -n "__fish_pbsh_using_subcommand help; and __fish_seen_subcommand_from snapshot" -f -a "protected" -d 'Show or change a snapshot\'s protection'
complete -c pbsh -n "__fish_pbsh_using_subcommand help; and __fish_seen_subcommand_from snapshot" -f -a "notes" -d 'Show or change a snapshot\'s notes'
complete -c pbsh -n "__fish_pbsh_using_subcommand help; and __fish_seen_subcommand_from snapshot" -f -a "upload-log" -d 'Attach a client log file to a finished snapshot (`client.log.blob`, once per snapshot)'
complete -c pbsh -n "__fish_pbsh_using_subcommand help; and __fish_seen_subcommand_from ns" -f -a "list" -d 'List a namespace (default: the current one) and every namespace below it'
complete -c pbsh -n "__fish_pbsh_using_subcommand help; and __fish_seen_subcommand_from ns" -f -a "create" -d 'Create a namespace (its parent must exist)'
complete -c pbsh -n "__fish_pbsh_using_subcommand help; and __fish_seen_subcommand_from ns" -f -a "delete" -d 'Delete an empty namespace (or everything in it with --delete-groups)'
complete -c pbsh -n "__fish_pbsh_using_subcommand help; and __fish_seen_subcommand_from datastore" -f -a "create" -d 'Create a datastore in PBS\'s layout at PATH (a directory, or s3://BUCKET[/PREFIX])'
complete -c pbsh -n "__fish_pbsh_using_subcommand help; and __fish_seen_subcommand_from catalog" -f -a "dump" -d 'Print every entry of a snapshot\'s catalog'
complete -c pbsh -n "__fish_pbsh_using_subcommand help; and __fish_seen_subcommand_from catalog" -f -a "shell" -d 'Browse an archive: SNAPSHOT ARCHIVE (like PBS\'s catalog shell, in this session\'s tree), or a local catalog file with --file'
complete -c pbsh -n "__fish_pbsh_using_subcommand help; and __fish_seen_subcommand_from task" -f -a "list" -d 'List recent tasks of the server'
complete -c pbsh -n "__fish_pbsh_using_subcommand help; and __fish_seen_subcommand_from task" -f -a "log" -d 'Print a task\'s log'
complete -c pbsh -n "__fish_pbsh_using_subcommand help; and __fish_seen_subcommand_from task" -f -a "stop" -d 'Ask the server to abort a running task'
