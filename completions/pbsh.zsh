#compdef pbsh

autoload -U is-at-least

_pbsh() {
    typeset -A opt_args
    typeset -a _arguments_options
    local ret=1

    if is-at-least 5.2; then
        _arguments_options=(-s -S -C)
    else
        _arguments_options=(-s -C)
    fi

    local context curcontext="$curcontext" state line
    _arguments "${_arguments_options[@]}" : \
'--repository=[Repository\: \[\[USER@REALM\[!TOKEN\]@\]HOST\[\:PORT\]\:\]STORE (a bare STORE is on localhost), or a path (/…, ./…, ../…, ~/…, file\:PATH)\: a local datastore directory or a lone .pxar file (default\: \$XDG_DATA_HOME/pbsh/datastore)]:REPOSITORY:_files' \
'--fingerprint=[Expected SHA-256 fingerprint of the server'\''s certificate (or PBS_FINGERPRINT)]:FP:_default' \
'--start-ns=[Start in this namespace]:NS:_default' \
'--session-keyfile=[Key file for encrypted snapshots when browsing (default\: the default key, if any)]:PATH:_files' \
'-c+[Run these commands (separated by \`;\`) and exit]:COMMANDS:_default' \
'-f+[Run the commands in FILE and exit (\`#!/usr/bin/env -S pbsh -f\` scripts)]:FILE:_files' \
'-h[Print help]' \
'--help[Print help]' \
'-V[Print version]' \
'--version[Print version]' \
":: :_pbsh_commands" \
"*::: :->pbsh" \
&& ret=0
    case $state in
    (pbsh)
        words=($line[1] "${words[@]}")
        (( CURRENT += 1 ))
        curcontext="${curcontext%:*:*}:pbsh-command-$line[1]:"
        case $line[1] in
            (key)
_arguments "${_arguments_options[@]}" : \
'--repository=[Repository\: \[\[USER@REALM\[!TOKEN\]@\]HOST\[\:PORT\]\:\]STORE (a bare STORE is on localhost), or a path (/…, ./…, ../…, ~/…, file\:PATH)\: a local datastore directory or a lone .pxar file (default\: \$XDG_DATA_HOME/pbsh/datastore)]:REPOSITORY:_files' \
'--fingerprint=[Expected SHA-256 fingerprint of the server'\''s certificate (or PBS_FINGERPRINT)]:FP:_default' \
'--start-ns=[Start in this namespace]:NS:_default' \
'--session-keyfile=[Key file for encrypted snapshots when browsing (default\: the default key, if any)]:PATH:_files' \
'-h[Print help]' \
'--help[Print help]' \
":: :_pbsh__subcmd__key_commands" \
"*::: :->key" \
&& ret=0

    case $state in
    (key)
        words=($line[1] "${words[@]}")
        (( CURRENT += 1 ))
        curcontext="${curcontext%:*:*}:pbsh-key-command-$line[1]:"
        case $line[1] in
            (create)
_arguments "${_arguments_options[@]}" : \
'--kdf=[]:KDF:(none scrypt pbkdf2)' \
'--hint=[Password hint stored in the key file]:HINT:_default' \
'--repository=[Repository\: \[\[USER@REALM\[!TOKEN\]@\]HOST\[\:PORT\]\:\]STORE (a bare STORE is on localhost), or a path (/…, ./…, ../…, ~/…, file\:PATH)\: a local datastore directory or a lone .pxar file (default\: \$XDG_DATA_HOME/pbsh/datastore)]:REPOSITORY:_files' \
'--fingerprint=[Expected SHA-256 fingerprint of the server'\''s certificate (or PBS_FINGERPRINT)]:FP:_default' \
'--start-ns=[Start in this namespace]:NS:_default' \
'--session-keyfile=[Key file for encrypted snapshots when browsing (default\: the default key, if any)]:PATH:_files' \
'-h[Print help]' \
'--help[Print help]' \
'::path:_files' \
&& ret=0
;;
(create-master-key)
_arguments "${_arguments_options[@]}" : \
'--repository=[Repository\: \[\[USER@REALM\[!TOKEN\]@\]HOST\[\:PORT\]\:\]STORE (a bare STORE is on localhost), or a path (/…, ./…, ../…, ~/…, file\:PATH)\: a local datastore directory or a lone .pxar file (default\: \$XDG_DATA_HOME/pbsh/datastore)]:REPOSITORY:_files' \
'--fingerprint=[Expected SHA-256 fingerprint of the server'\''s certificate (or PBS_FINGERPRINT)]:FP:_default' \
'--start-ns=[Start in this namespace]:NS:_default' \
'--session-keyfile=[Key file for encrypted snapshots when browsing (default\: the default key, if any)]:PATH:_files' \
'-h[Print help]' \
'--help[Print help]' \
&& ret=0
;;
(import-with-master-key)
_arguments "${_arguments_options[@]}" : \
'--encrypted-keyfile=[rsa-encrypted.key.blob (or its raw RSA ciphertext)]:ENCRYPTED_KEYFILE:_files' \
'--master-keyfile=[The master private key (PEM)]:MASTER_KEYFILE:_files' \
'--kdf=[]:KDF:(none scrypt pbkdf2)' \
'--hint=[]:HINT:_default' \
'--repository=[Repository\: \[\[USER@REALM\[!TOKEN\]@\]HOST\[\:PORT\]\:\]STORE (a bare STORE is on localhost), or a path (/…, ./…, ../…, ~/…, file\:PATH)\: a local datastore directory or a lone .pxar file (default\: \$XDG_DATA_HOME/pbsh/datastore)]:REPOSITORY:_files' \
'--fingerprint=[Expected SHA-256 fingerprint of the server'\''s certificate (or PBS_FINGERPRINT)]:FP:_default' \
'--start-ns=[Start in this namespace]:NS:_default' \
'--session-keyfile=[Key file for encrypted snapshots when browsing (default\: the default key, if any)]:PATH:_files' \
'-h[Print help]' \
'--help[Print help]' \
'*::args -- \[PATH\], or MASTER_KEYFILE ENCRYPTED_KEYFILE \[PATH\]:_files' \
&& ret=0
;;
(change-passphrase)
_arguments "${_arguments_options[@]}" : \
'--kdf=[]:KDF:(none scrypt pbkdf2)' \
'--hint=[]:HINT:_default' \
'--repository=[Repository\: \[\[USER@REALM\[!TOKEN\]@\]HOST\[\:PORT\]\:\]STORE (a bare STORE is on localhost), or a path (/…, ./…, ../…, ~/…, file\:PATH)\: a local datastore directory or a lone .pxar file (default\: \$XDG_DATA_HOME/pbsh/datastore)]:REPOSITORY:_files' \
'--fingerprint=[Expected SHA-256 fingerprint of the server'\''s certificate (or PBS_FINGERPRINT)]:FP:_default' \
'--start-ns=[Start in this namespace]:NS:_default' \
'--session-keyfile=[Key file for encrypted snapshots when browsing (default\: the default key, if any)]:PATH:_files' \
'-h[Print help]' \
'--help[Print help]' \
'::path:_files' \
&& ret=0
;;
(show)
_arguments "${_arguments_options[@]}" : \
'--output-format=[]:OUTPUT_FORMAT:(text json json-pretty)' \
'--repository=[Repository\: \[\[USER@REALM\[!TOKEN\]@\]HOST\[\:PORT\]\:\]STORE (a bare STORE is on localhost), or a path (/…, ./…, ../…, ~/…, file\:PATH)\: a local datastore directory or a lone .pxar file (default\: \$XDG_DATA_HOME/pbsh/datastore)]:REPOSITORY:_files' \
'--fingerprint=[Expected SHA-256 fingerprint of the server'\''s certificate (or PBS_FINGERPRINT)]:FP:_default' \
'--start-ns=[Start in this namespace]:NS:_default' \
'--session-keyfile=[Key file for encrypted snapshots when browsing (default\: the default key, if any)]:PATH:_files' \
'-h[Print help]' \
'--help[Print help]' \
'::path:_files' \
&& ret=0
;;
(paperkey)
_arguments "${_arguments_options[@]}" : \
'--subject=[Subject line printed above the key]:SUBJECT:_default' \
'--output-format=[]:OUTPUT_FORMAT:(html text)' \
'--repository=[Repository\: \[\[USER@REALM\[!TOKEN\]@\]HOST\[\:PORT\]\:\]STORE (a bare STORE is on localhost), or a path (/…, ./…, ../…, ~/…, file\:PATH)\: a local datastore directory or a lone .pxar file (default\: \$XDG_DATA_HOME/pbsh/datastore)]:REPOSITORY:_files' \
'--fingerprint=[Expected SHA-256 fingerprint of the server'\''s certificate (or PBS_FINGERPRINT)]:FP:_default' \
'--start-ns=[Start in this namespace]:NS:_default' \
'--session-keyfile=[Key file for encrypted snapshots when browsing (default\: the default key, if any)]:PATH:_files' \
'-h[Print help]' \
'--help[Print help]' \
'::path:_files' \
&& ret=0
;;
(show-master-pubkey)
_arguments "${_arguments_options[@]}" : \
'--output-format=[]:OUTPUT_FORMAT:(text json json-pretty)' \
'--repository=[Repository\: \[\[USER@REALM\[!TOKEN\]@\]HOST\[\:PORT\]\:\]STORE (a bare STORE is on localhost), or a path (/…, ./…, ../…, ~/…, file\:PATH)\: a local datastore directory or a lone .pxar file (default\: \$XDG_DATA_HOME/pbsh/datastore)]:REPOSITORY:_files' \
'--fingerprint=[Expected SHA-256 fingerprint of the server'\''s certificate (or PBS_FINGERPRINT)]:FP:_default' \
'--start-ns=[Start in this namespace]:NS:_default' \
'--session-keyfile=[Key file for encrypted snapshots when browsing (default\: the default key, if any)]:PATH:_files' \
'-h[Print help]' \
'--help[Print help]' \
'::path:_files' \
&& ret=0
;;
(import-master-pubkey)
_arguments "${_arguments_options[@]}" : \
'--repository=[Repository\: \[\[USER@REALM\[!TOKEN\]@\]HOST\[\:PORT\]\:\]STORE (a bare STORE is on localhost), or a path (/…, ./…, ../…, ~/…, file\:PATH)\: a local datastore directory or a lone .pxar file (default\: \$XDG_DATA_HOME/pbsh/datastore)]:REPOSITORY:_files' \
'--fingerprint=[Expected SHA-256 fingerprint of the server'\''s certificate (or PBS_FINGERPRINT)]:FP:_default' \
'--start-ns=[Start in this namespace]:NS:_default' \
'--session-keyfile=[Key file for encrypted snapshots when browsing (default\: the default key, if any)]:PATH:_files' \
'-h[Print help]' \
'--help[Print help]' \
':path:_files' \
&& ret=0
;;
(help)
_arguments "${_arguments_options[@]}" : \
":: :_pbsh__subcmd__key__subcmd__help_commands" \
"*::: :->help" \
&& ret=0

    case $state in
    (help)
        words=($line[1] "${words[@]}")
        (( CURRENT += 1 ))
        curcontext="${curcontext%:*:*}:pbsh-key-help-command-$line[1]:"
        case $line[1] in
            (create)
_arguments "${_arguments_options[@]}" : \
&& ret=0
;;
(create-master-key)
_arguments "${_arguments_options[@]}" : \
&& ret=0
;;
(import-with-master-key)
_arguments "${_arguments_options[@]}" : \
&& ret=0
;;
(change-passphrase)
_arguments "${_arguments_options[@]}" : \
&& ret=0
;;
(show)
_arguments "${_arguments_options[@]}" : \
&& ret=0
;;
(paperkey)
_arguments "${_arguments_options[@]}" : \
&& ret=0
;;
(show-master-pubkey)
_arguments "${_arguments_options[@]}" : \
&& ret=0
;;
(import-master-pubkey)
_arguments "${_arguments_options[@]}" : \
&& ret=0
;;
(help)
_arguments "${_arguments_options[@]}" : \
&& ret=0
;;
        esac
    ;;
esac
;;
        esac
    ;;
esac
;;
(backup)
_arguments "${_arguments_options[@]}" : \
'--backup-type=[]:BACKUP_TYPE:_default' \
'--backup-id=[Backup ID (default\: this host'\''s name)]:BACKUP_ID:_default' \
'--backup-time=[Backup time as epoch seconds (default\: now)]:BACKUP_TIME:_default' \
'--ns=[]:NS:_default' \
'--crypt-mode=[]:CRYPT_MODE:(none encrypt sign-only)' \
'--keyfile=[]:KEYFILE:_files' \
'--master-pubkey-file=[]:MASTER_PUBKEY_FILE:_files' \
'--change-detection-mode=[]:CHANGE_DETECTION_MODE:(legacy data metadata)' \
'*--exclude=[Exclude pattern (gitignore style; repeatable; \`!\` re-includes)]:EXCLUDE:_default' \
'*--include-dev=[Include the file system mounted at this path (repeatable)]:INCLUDE_DEV:_files' \
'(--keyfile)--keyfd=[Read the key file from this open file descriptor (instead of --keyfile)]:KEYFD:_default' \
'(--master-pubkey-file)--master-pubkey-fd=[Read the master public key (PEM) from this open file descriptor]:MASTER_PUBKEY_FD:_default' \
'--chunk-size=[Average chunk size of archives in KiB\: a power of two from 64 to 4096 (default 4096)]:CHUNK_SIZE:_default' \
'--entries-max=[The most directory entries held in memory at once (default 1048576, as PBS)]:ENTRIES_MAX:_default' \
'--rate=[Hold chunk traffic to this many bytes a second\: \`10M\` is 10,000,000, \`10MiB\` 10,485,760]:RATE:_default' \
'--burst=[Bytes that may pass at once before --rate holds them (default\: one second'\''s worth)]:BURST:_default' \
'--repository=[Repository\: \[\[USER@REALM\[!TOKEN\]@\]HOST\[\:PORT\]\:\]STORE (a bare STORE is on localhost), or a path (/…, ./…, ../…, ~/…, file\:PATH)\: a local datastore directory or a lone .pxar file (default\: \$XDG_DATA_HOME/pbsh/datastore)]:REPOSITORY:_files' \
'--fingerprint=[Expected SHA-256 fingerprint of the server'\''s certificate (or PBS_FINGERPRINT)]:FP:_default' \
'--start-ns=[Start in this namespace]:NS:_default' \
'--session-keyfile=[Key file for encrypted snapshots when browsing (default\: the default key, if any)]:PATH:_files' \
'--all-file-systems[Descend into all file systems]' \
'--dry-run[Say what would be uploaded, and upload nothing]' \
'--skip-lost-and-found[Leave out every directory named lost+found]' \
'--skip-e2big-xattr[Archive a file whose extended attributes are too many to list without them (a warning), instead of failing]' \
'-h[Print help]' \
'--help[Print help]' \
'*::specs -- Sources\: DIR (archive DIRNAME.pxar), FILE or block device (NAME.img), or PBS'\''s NAME.pxar\:DIR, NAME.img\:FILE, NAME.conf\:FILE:_default' \
&& ret=0
;;
(restore)
_arguments "${_arguments_options[@]}" : \
'--keyfile=[]:KEYFILE:_files' \
'--ns=[]:NS:_default' \
'--path=[Restore only this path inside the archive]:PATH:_default' \
'*--pattern=[Restore only what matches (gitignore style, e.g. '\''etc/**'\'' or '\''*.conf'\''; \`!P\` takes back; the last matching pattern decides); repeatable]:PATTERN:_default' \
'(--keyfile)--keyfd=[Read the key file from this open file descriptor (instead of --keyfile)]:KEYFD:_default' \
'--crypt-mode=[\`none\` reads without any key (the default key is not loaded); \`encrypt\`/\`sign-only\` insist on one]:CRYPT_MODE:(none encrypt sign-only)' \
'--rate=[Hold chunk traffic to this many bytes a second\: \`10M\` is 10,000,000, \`10MiB\` 10,485,760]:RATE:_default' \
'--burst=[Bytes that may pass at once before --rate holds them (default\: one second'\''s worth)]:BURST:_default' \
'--repository=[Repository\: \[\[USER@REALM\[!TOKEN\]@\]HOST\[\:PORT\]\:\]STORE (a bare STORE is on localhost), or a path (/…, ./…, ../…, ~/…, file\:PATH)\: a local datastore directory or a lone .pxar file (default\: \$XDG_DATA_HOME/pbsh/datastore)]:REPOSITORY:_files' \
'--fingerprint=[Expected SHA-256 fingerprint of the server'\''s certificate (or PBS_FINGERPRINT)]:FP:_default' \
'--start-ns=[Start in this namespace]:NS:_default' \
'--session-keyfile=[Key file for encrypted snapshots when browsing (default\: the default key, if any)]:PATH:_files' \
'--overwrite[Replace existing files, symlinks and hard links (all of the three below)]' \
'--overwrite-files[Replace existing files (and special files)]' \
'--overwrite-symlinks[Replace existing symlinks]' \
'--overwrite-hardlinks[Replace existing hard links]' \
'--allow-existing-dirs[Restore into directories that already exist (without it an existing directory inside the target is refused, as with proxmox-backup-client)]' \
'--ignore-ownership[Do not restore owners, even as root]' \
'--ignore-permissions[Do not restore permission bits (files stay 0600, directories 0700)]' \
'--ignore-acls[Do not restore POSIX ACLs]' \
'--ignore-xattrs[Do not restore extended attributes (and file capabilities)]' \
'--ignore-extract-device-errors[A device node that cannot be created is a warning, not an error]' \
'-h[Print help]' \
'--help[Print help]' \
':snapshot -- TYPE/ID/TIME, or TYPE/ID for the newest snapshot:_default' \
'::archive -- root.pxar, disk.img, qemu-server.conf, …; may be left out when the snapshot has one archive (then this is the TARGET). Inside an archive (after `cd` or `catalog shell`), `restore TARGET` alone restores the current directory, as PBS'\''s catalog shell does:_default' \
'::target -- Target directory or file; `-` writes the raw archive to standard output:_default' \
&& ret=0
;;
(list)
_arguments "${_arguments_options[@]}" : \
'--ns=[]:NS:_default' \
'--output-format=[]:OUTPUT_FORMAT:(text json json-pretty)' \
'--repository=[Repository\: \[\[USER@REALM\[!TOKEN\]@\]HOST\[\:PORT\]\:\]STORE (a bare STORE is on localhost), or a path (/…, ./…, ../…, ~/…, file\:PATH)\: a local datastore directory or a lone .pxar file (default\: \$XDG_DATA_HOME/pbsh/datastore)]:REPOSITORY:_files' \
'--fingerprint=[Expected SHA-256 fingerprint of the server'\''s certificate (or PBS_FINGERPRINT)]:FP:_default' \
'--start-ns=[Start in this namespace]:NS:_default' \
'--session-keyfile=[Key file for encrypted snapshots when browsing (default\: the default key, if any)]:PATH:_files' \
'-h[Print help]' \
'--help[Print help]' \
&& ret=0
;;
(snapshot)
_arguments "${_arguments_options[@]}" : \
'--repository=[Repository\: \[\[USER@REALM\[!TOKEN\]@\]HOST\[\:PORT\]\:\]STORE (a bare STORE is on localhost), or a path (/…, ./…, ../…, ~/…, file\:PATH)\: a local datastore directory or a lone .pxar file (default\: \$XDG_DATA_HOME/pbsh/datastore)]:REPOSITORY:_files' \
'--fingerprint=[Expected SHA-256 fingerprint of the server'\''s certificate (or PBS_FINGERPRINT)]:FP:_default' \
'--start-ns=[Start in this namespace]:NS:_default' \
'--session-keyfile=[Key file for encrypted snapshots when browsing (default\: the default key, if any)]:PATH:_files' \
'-h[Print help]' \
'--help[Print help]' \
":: :_pbsh__subcmd__snapshot_commands" \
"*::: :->snapshot" \
&& ret=0

    case $state in
    (snapshot)
        words=($line[1] "${words[@]}")
        (( CURRENT += 1 ))
        curcontext="${curcontext%:*:*}:pbsh-snapshot-command-$line[1]:"
        case $line[1] in
            (list)
_arguments "${_arguments_options[@]}" : \
'--ns=[]:NS:_default' \
'--output-format=[]:OUTPUT_FORMAT:(text json json-pretty)' \
'--repository=[Repository\: \[\[USER@REALM\[!TOKEN\]@\]HOST\[\:PORT\]\:\]STORE (a bare STORE is on localhost), or a path (/…, ./…, ../…, ~/…, file\:PATH)\: a local datastore directory or a lone .pxar file (default\: \$XDG_DATA_HOME/pbsh/datastore)]:REPOSITORY:_files' \
'--fingerprint=[Expected SHA-256 fingerprint of the server'\''s certificate (or PBS_FINGERPRINT)]:FP:_default' \
'--start-ns=[Start in this namespace]:NS:_default' \
'--session-keyfile=[Key file for encrypted snapshots when browsing (default\: the default key, if any)]:PATH:_files' \
'-h[Print help]' \
'--help[Print help]' \
'::group:_default' \
&& ret=0
;;
(files)
_arguments "${_arguments_options[@]}" : \
'--ns=[]:NS:_default' \
'--output-format=[]:OUTPUT_FORMAT:(text json json-pretty)' \
'--repository=[Repository\: \[\[USER@REALM\[!TOKEN\]@\]HOST\[\:PORT\]\:\]STORE (a bare STORE is on localhost), or a path (/…, ./…, ../…, ~/…, file\:PATH)\: a local datastore directory or a lone .pxar file (default\: \$XDG_DATA_HOME/pbsh/datastore)]:REPOSITORY:_files' \
'--fingerprint=[Expected SHA-256 fingerprint of the server'\''s certificate (or PBS_FINGERPRINT)]:FP:_default' \
'--start-ns=[Start in this namespace]:NS:_default' \
'--session-keyfile=[Key file for encrypted snapshots when browsing (default\: the default key, if any)]:PATH:_files' \
'-h[Print help]' \
'--help[Print help]' \
':snapshot:_default' \
&& ret=0
;;
(forget)
_arguments "${_arguments_options[@]}" : \
'--ns=[]:NS:_default' \
'--repository=[Repository\: \[\[USER@REALM\[!TOKEN\]@\]HOST\[\:PORT\]\:\]STORE (a bare STORE is on localhost), or a path (/…, ./…, ../…, ~/…, file\:PATH)\: a local datastore directory or a lone .pxar file (default\: \$XDG_DATA_HOME/pbsh/datastore)]:REPOSITORY:_files' \
'--fingerprint=[Expected SHA-256 fingerprint of the server'\''s certificate (or PBS_FINGERPRINT)]:FP:_default' \
'--start-ns=[Start in this namespace]:NS:_default' \
'--session-keyfile=[Key file for encrypted snapshots when browsing (default\: the default key, if any)]:PATH:_files' \
'-h[Print help]' \
'--help[Print help]' \
':snapshot:_default' \
&& ret=0
;;
(protected)
_arguments "${_arguments_options[@]}" : \
'--repository=[Repository\: \[\[USER@REALM\[!TOKEN\]@\]HOST\[\:PORT\]\:\]STORE (a bare STORE is on localhost), or a path (/…, ./…, ../…, ~/…, file\:PATH)\: a local datastore directory or a lone .pxar file (default\: \$XDG_DATA_HOME/pbsh/datastore)]:REPOSITORY:_files' \
'--fingerprint=[Expected SHA-256 fingerprint of the server'\''s certificate (or PBS_FINGERPRINT)]:FP:_default' \
'--start-ns=[Start in this namespace]:NS:_default' \
'--session-keyfile=[Key file for encrypted snapshots when browsing (default\: the default key, if any)]:PATH:_files' \
'-h[Print help]' \
'--help[Print help]' \
":: :_pbsh__subcmd__snapshot__subcmd__protected_commands" \
"*::: :->protected" \
&& ret=0

    case $state in
    (protected)
        words=($line[1] "${words[@]}")
        (( CURRENT += 1 ))
        curcontext="${curcontext%:*:*}:pbsh-snapshot-protected-command-$line[1]:"
        case $line[1] in
            (show)
_arguments "${_arguments_options[@]}" : \
'--ns=[]:NS:_default' \
'--output-format=[]:OUTPUT_FORMAT:(text json json-pretty)' \
'--repository=[Repository\: \[\[USER@REALM\[!TOKEN\]@\]HOST\[\:PORT\]\:\]STORE (a bare STORE is on localhost), or a path (/…, ./…, ../…, ~/…, file\:PATH)\: a local datastore directory or a lone .pxar file (default\: \$XDG_DATA_HOME/pbsh/datastore)]:REPOSITORY:_files' \
'--fingerprint=[Expected SHA-256 fingerprint of the server'\''s certificate (or PBS_FINGERPRINT)]:FP:_default' \
'--start-ns=[Start in this namespace]:NS:_default' \
'--session-keyfile=[Key file for encrypted snapshots when browsing (default\: the default key, if any)]:PATH:_files' \
'-h[Print help]' \
'--help[Print help]' \
':snapshot:_default' \
&& ret=0
;;
(update)
_arguments "${_arguments_options[@]}" : \
'--ns=[]:NS:_default' \
'--repository=[Repository\: \[\[USER@REALM\[!TOKEN\]@\]HOST\[\:PORT\]\:\]STORE (a bare STORE is on localhost), or a path (/…, ./…, ../…, ~/…, file\:PATH)\: a local datastore directory or a lone .pxar file (default\: \$XDG_DATA_HOME/pbsh/datastore)]:REPOSITORY:_files' \
'--fingerprint=[Expected SHA-256 fingerprint of the server'\''s certificate (or PBS_FINGERPRINT)]:FP:_default' \
'--start-ns=[Start in this namespace]:NS:_default' \
'--session-keyfile=[Key file for encrypted snapshots when browsing (default\: the default key, if any)]:PATH:_files' \
'-h[Print help]' \
'--help[Print help]' \
':snapshot:_default' \
':protected -- true or false:(true false)' \
&& ret=0
;;
(help)
_arguments "${_arguments_options[@]}" : \
":: :_pbsh__subcmd__snapshot__subcmd__protected__subcmd__help_commands" \
"*::: :->help" \
&& ret=0

    case $state in
    (help)
        words=($line[1] "${words[@]}")
        (( CURRENT += 1 ))
        curcontext="${curcontext%:*:*}:pbsh-snapshot-protected-help-command-$line[1]:"
        case $line[1] in
            (show)
_arguments "${_arguments_options[@]}" : \
&& ret=0
;;
(update)
_arguments "${_arguments_options[@]}" : \
&& ret=0
;;
(help)
_arguments "${_arguments_options[@]}" : \
&& ret=0
;;
        esac
    ;;
esac
;;
        esac
    ;;
esac
;;
(notes)
_arguments "${_arguments_options[@]}" : \
'--repository=[Repository\: \[\[USER@REALM\[!TOKEN\]@\]HOST\[\:PORT\]\:\]STORE (a bare STORE is on localhost), or a path (/…, ./…, ../…, ~/…, file\:PATH)\: a local datastore directory or a lone .pxar file (default\: \$XDG_DATA_HOME/pbsh/datastore)]:REPOSITORY:_files' \
'--fingerprint=[Expected SHA-256 fingerprint of the server'\''s certificate (or PBS_FINGERPRINT)]:FP:_default' \
'--start-ns=[Start in this namespace]:NS:_default' \
'--session-keyfile=[Key file for encrypted snapshots when browsing (default\: the default key, if any)]:PATH:_files' \
'-h[Print help]' \
'--help[Print help]' \
":: :_pbsh__subcmd__snapshot__subcmd__notes_commands" \
"*::: :->notes" \
&& ret=0

    case $state in
    (notes)
        words=($line[1] "${words[@]}")
        (( CURRENT += 1 ))
        curcontext="${curcontext%:*:*}:pbsh-snapshot-notes-command-$line[1]:"
        case $line[1] in
            (show)
_arguments "${_arguments_options[@]}" : \
'--ns=[]:NS:_default' \
'--output-format=[]:OUTPUT_FORMAT:(text json json-pretty)' \
'--repository=[Repository\: \[\[USER@REALM\[!TOKEN\]@\]HOST\[\:PORT\]\:\]STORE (a bare STORE is on localhost), or a path (/…, ./…, ../…, ~/…, file\:PATH)\: a local datastore directory or a lone .pxar file (default\: \$XDG_DATA_HOME/pbsh/datastore)]:REPOSITORY:_files' \
'--fingerprint=[Expected SHA-256 fingerprint of the server'\''s certificate (or PBS_FINGERPRINT)]:FP:_default' \
'--start-ns=[Start in this namespace]:NS:_default' \
'--session-keyfile=[Key file for encrypted snapshots when browsing (default\: the default key, if any)]:PATH:_files' \
'-h[Print help]' \
'--help[Print help]' \
':snapshot:_default' \
&& ret=0
;;
(update)
_arguments "${_arguments_options[@]}" : \
'--ns=[]:NS:_default' \
'--repository=[Repository\: \[\[USER@REALM\[!TOKEN\]@\]HOST\[\:PORT\]\:\]STORE (a bare STORE is on localhost), or a path (/…, ./…, ../…, ~/…, file\:PATH)\: a local datastore directory or a lone .pxar file (default\: \$XDG_DATA_HOME/pbsh/datastore)]:REPOSITORY:_files' \
'--fingerprint=[Expected SHA-256 fingerprint of the server'\''s certificate (or PBS_FINGERPRINT)]:FP:_default' \
'--start-ns=[Start in this namespace]:NS:_default' \
'--session-keyfile=[Key file for encrypted snapshots when browsing (default\: the default key, if any)]:PATH:_files' \
'-h[Print help]' \
'--help[Print help]' \
':snapshot:_default' \
':notes:_default' \
&& ret=0
;;
(help)
_arguments "${_arguments_options[@]}" : \
":: :_pbsh__subcmd__snapshot__subcmd__notes__subcmd__help_commands" \
"*::: :->help" \
&& ret=0

    case $state in
    (help)
        words=($line[1] "${words[@]}")
        (( CURRENT += 1 ))
        curcontext="${curcontext%:*:*}:pbsh-snapshot-notes-help-command-$line[1]:"
        case $line[1] in
            (show)
_arguments "${_arguments_options[@]}" : \
&& ret=0
;;
(update)
_arguments "${_arguments_options[@]}" : \
&& ret=0
;;
(help)
_arguments "${_arguments_options[@]}" : \
&& ret=0
;;
        esac
    ;;
esac
;;
        esac
    ;;
esac
;;
(upload-log)
_arguments "${_arguments_options[@]}" : \
'--keyfile=[Encrypt the log with this key (default\: the default key, if any)]:KEYFILE:_files' \
'(--keyfile)--keyfd=[Read the key file from this open file descriptor (instead of --keyfile)]:KEYFD:_default' \
'--crypt-mode=[\`none\` stores the log unencrypted even when a default key exists]:CRYPT_MODE:(none encrypt sign-only)' \
'--ns=[]:NS:_default' \
'--repository=[Repository\: \[\[USER@REALM\[!TOKEN\]@\]HOST\[\:PORT\]\:\]STORE (a bare STORE is on localhost), or a path (/…, ./…, ../…, ~/…, file\:PATH)\: a local datastore directory or a lone .pxar file (default\: \$XDG_DATA_HOME/pbsh/datastore)]:REPOSITORY:_files' \
'--fingerprint=[Expected SHA-256 fingerprint of the server'\''s certificate (or PBS_FINGERPRINT)]:FP:_default' \
'--start-ns=[Start in this namespace]:NS:_default' \
'--session-keyfile=[Key file for encrypted snapshots when browsing (default\: the default key, if any)]:PATH:_files' \
'-h[Print help]' \
'--help[Print help]' \
':snapshot:_default' \
':logfile -- The log file:_files' \
&& ret=0
;;
(help)
_arguments "${_arguments_options[@]}" : \
":: :_pbsh__subcmd__snapshot__subcmd__help_commands" \
"*::: :->help" \
&& ret=0

    case $state in
    (help)
        words=($line[1] "${words[@]}")
        (( CURRENT += 1 ))
        curcontext="${curcontext%:*:*}:pbsh-snapshot-help-command-$line[1]:"
        case $line[1] in
            (list)
_arguments "${_arguments_options[@]}" : \
&& ret=0
;;
(files)
_arguments "${_arguments_options[@]}" : \
&& ret=0
;;
(forget)
_arguments "${_arguments_options[@]}" : \
&& ret=0
;;
(protected)
_arguments "${_arguments_options[@]}" : \
":: :_pbsh__subcmd__snapshot__subcmd__help__subcmd__protected_commands" \
"*::: :->protected" \
&& ret=0

    case $state in
    (protected)
        words=($line[1] "${words[@]}")
        (( CURRENT += 1 ))
        curcontext="${curcontext%:*:*}:pbsh-snapshot-help-protected-command-$line[1]:"
        case $line[1] in
            (show)
_arguments "${_arguments_options[@]}" : \
&& ret=0
;;
(update)
_arguments "${_arguments_options[@]}" : \
&& ret=0
;;
        esac
    ;;
esac
;;
(notes)
_arguments "${_arguments_options[@]}" : \
":: :_pbsh__subcmd__snapshot__subcmd__help__subcmd__notes_commands" \
"*::: :->notes" \
&& ret=0

    case $state in
    (notes)
        words=($line[1] "${words[@]}")
        (( CURRENT += 1 ))
        curcontext="${curcontext%:*:*}:pbsh-snapshot-help-notes-command-$line[1]:"
        case $line[1] in
            (show)
_arguments "${_arguments_options[@]}" : \
&& ret=0
;;
(update)
_arguments "${_arguments_options[@]}" : \
&& ret=0
;;
        esac
    ;;
esac
;;
(upload-log)
_arguments "${_arguments_options[@]}" : \
&& ret=0
;;
(help)
_arguments "${_arguments_options[@]}" : \
&& ret=0
;;
        esac
    ;;
esac
;;
        esac
    ;;
esac
;;
(forget)
_arguments "${_arguments_options[@]}" : \
'--ns=[]:NS:_default' \
'--repository=[Repository\: \[\[USER@REALM\[!TOKEN\]@\]HOST\[\:PORT\]\:\]STORE (a bare STORE is on localhost), or a path (/…, ./…, ../…, ~/…, file\:PATH)\: a local datastore directory or a lone .pxar file (default\: \$XDG_DATA_HOME/pbsh/datastore)]:REPOSITORY:_files' \
'--fingerprint=[Expected SHA-256 fingerprint of the server'\''s certificate (or PBS_FINGERPRINT)]:FP:_default' \
'--start-ns=[Start in this namespace]:NS:_default' \
'--session-keyfile=[Key file for encrypted snapshots when browsing (default\: the default key, if any)]:PATH:_files' \
'-h[Print help]' \
'--help[Print help]' \
':target:_default' \
&& ret=0
;;
(protect)
_arguments "${_arguments_options[@]}" : \
'--ns=[]:NS:_default' \
'--repository=[Repository\: \[\[USER@REALM\[!TOKEN\]@\]HOST\[\:PORT\]\:\]STORE (a bare STORE is on localhost), or a path (/…, ./…, ../…, ~/…, file\:PATH)\: a local datastore directory or a lone .pxar file (default\: \$XDG_DATA_HOME/pbsh/datastore)]:REPOSITORY:_files' \
'--fingerprint=[Expected SHA-256 fingerprint of the server'\''s certificate (or PBS_FINGERPRINT)]:FP:_default' \
'--start-ns=[Start in this namespace]:NS:_default' \
'--session-keyfile=[Key file for encrypted snapshots when browsing (default\: the default key, if any)]:PATH:_files' \
'-h[Print help]' \
'--help[Print help]' \
':snapshot:_default' \
&& ret=0
;;
(change-owner)
_arguments "${_arguments_options[@]}" : \
'--ns=[]:NS:_default' \
'--repository=[Repository\: \[\[USER@REALM\[!TOKEN\]@\]HOST\[\:PORT\]\:\]STORE (a bare STORE is on localhost), or a path (/…, ./…, ../…, ~/…, file\:PATH)\: a local datastore directory or a lone .pxar file (default\: \$XDG_DATA_HOME/pbsh/datastore)]:REPOSITORY:_files' \
'--fingerprint=[Expected SHA-256 fingerprint of the server'\''s certificate (or PBS_FINGERPRINT)]:FP:_default' \
'--start-ns=[Start in this namespace]:NS:_default' \
'--session-keyfile=[Key file for encrypted snapshots when browsing (default\: the default key, if any)]:PATH:_files' \
'-h[Print help]' \
'--help[Print help]' \
':group -- The backup group (TYPE/ID):_default' \
':new_owner -- `user@realm` or `user@realm!token`:_default' \
&& ret=0
;;
(version)
_arguments "${_arguments_options[@]}" : \
'--output-format=[]:OUTPUT_FORMAT:(text json json-pretty)' \
'--repository=[Repository\: \[\[USER@REALM\[!TOKEN\]@\]HOST\[\:PORT\]\:\]STORE (a bare STORE is on localhost), or a path (/…, ./…, ../…, ~/…, file\:PATH)\: a local datastore directory or a lone .pxar file (default\: \$XDG_DATA_HOME/pbsh/datastore)]:REPOSITORY:_files' \
'--fingerprint=[Expected SHA-256 fingerprint of the server'\''s certificate (or PBS_FINGERPRINT)]:FP:_default' \
'--start-ns=[Start in this namespace]:NS:_default' \
'--session-keyfile=[Key file for encrypted snapshots when browsing (default\: the default key, if any)]:PATH:_files' \
'-h[Print help]' \
'--help[Print help]' \
&& ret=0
;;
(unprotect)
_arguments "${_arguments_options[@]}" : \
'--ns=[]:NS:_default' \
'--repository=[Repository\: \[\[USER@REALM\[!TOKEN\]@\]HOST\[\:PORT\]\:\]STORE (a bare STORE is on localhost), or a path (/…, ./…, ../…, ~/…, file\:PATH)\: a local datastore directory or a lone .pxar file (default\: \$XDG_DATA_HOME/pbsh/datastore)]:REPOSITORY:_files' \
'--fingerprint=[Expected SHA-256 fingerprint of the server'\''s certificate (or PBS_FINGERPRINT)]:FP:_default' \
'--start-ns=[Start in this namespace]:NS:_default' \
'--session-keyfile=[Key file for encrypted snapshots when browsing (default\: the default key, if any)]:PATH:_files' \
'-h[Print help]' \
'--help[Print help]' \
':snapshot:_default' \
&& ret=0
;;
(ns)
_arguments "${_arguments_options[@]}" : \
'--repository=[Repository\: \[\[USER@REALM\[!TOKEN\]@\]HOST\[\:PORT\]\:\]STORE (a bare STORE is on localhost), or a path (/…, ./…, ../…, ~/…, file\:PATH)\: a local datastore directory or a lone .pxar file (default\: \$XDG_DATA_HOME/pbsh/datastore)]:REPOSITORY:_files' \
'--fingerprint=[Expected SHA-256 fingerprint of the server'\''s certificate (or PBS_FINGERPRINT)]:FP:_default' \
'--start-ns=[Start in this namespace]:NS:_default' \
'--session-keyfile=[Key file for encrypted snapshots when browsing (default\: the default key, if any)]:PATH:_files' \
'-h[Print help]' \
'--help[Print help]' \
":: :_pbsh__subcmd__ns_commands" \
"*::: :->ns" \
&& ret=0

    case $state in
    (ns)
        words=($line[1] "${words[@]}")
        (( CURRENT += 1 ))
        curcontext="${curcontext%:*:*}:pbsh-ns-command-$line[1]:"
        case $line[1] in
            (list)
_arguments "${_arguments_options[@]}" : \
'--max-depth=[Levels below PARENT to list (0\: PARENT alone; default\: all)]:MAX_DEPTH:_default' \
'--output-format=[]:OUTPUT_FORMAT:(text json json-pretty)' \
'--repository=[Repository\: \[\[USER@REALM\[!TOKEN\]@\]HOST\[\:PORT\]\:\]STORE (a bare STORE is on localhost), or a path (/…, ./…, ../…, ~/…, file\:PATH)\: a local datastore directory or a lone .pxar file (default\: \$XDG_DATA_HOME/pbsh/datastore)]:REPOSITORY:_files' \
'--fingerprint=[Expected SHA-256 fingerprint of the server'\''s certificate (or PBS_FINGERPRINT)]:FP:_default' \
'--start-ns=[Start in this namespace]:NS:_default' \
'--session-keyfile=[Key file for encrypted snapshots when browsing (default\: the default key, if any)]:PATH:_files' \
'-h[Print help]' \
'--help[Print help]' \
'::parent:_default' \
&& ret=0
;;
(create)
_arguments "${_arguments_options[@]}" : \
'--repository=[Repository\: \[\[USER@REALM\[!TOKEN\]@\]HOST\[\:PORT\]\:\]STORE (a bare STORE is on localhost), or a path (/…, ./…, ../…, ~/…, file\:PATH)\: a local datastore directory or a lone .pxar file (default\: \$XDG_DATA_HOME/pbsh/datastore)]:REPOSITORY:_files' \
'--fingerprint=[Expected SHA-256 fingerprint of the server'\''s certificate (or PBS_FINGERPRINT)]:FP:_default' \
'--start-ns=[Start in this namespace]:NS:_default' \
'--session-keyfile=[Key file for encrypted snapshots when browsing (default\: the default key, if any)]:PATH:_files' \
'-h[Print help]' \
'--help[Print help]' \
':ns:_default' \
&& ret=0
;;
(delete)
_arguments "${_arguments_options[@]}" : \
'--repository=[Repository\: \[\[USER@REALM\[!TOKEN\]@\]HOST\[\:PORT\]\:\]STORE (a bare STORE is on localhost), or a path (/…, ./…, ../…, ~/…, file\:PATH)\: a local datastore directory or a lone .pxar file (default\: \$XDG_DATA_HOME/pbsh/datastore)]:REPOSITORY:_files' \
'--fingerprint=[Expected SHA-256 fingerprint of the server'\''s certificate (or PBS_FINGERPRINT)]:FP:_default' \
'--start-ns=[Start in this namespace]:NS:_default' \
'--session-keyfile=[Key file for encrypted snapshots when browsing (default\: the default key, if any)]:PATH:_files' \
'--delete-groups[]' \
'-h[Print help]' \
'--help[Print help]' \
':ns:_default' \
&& ret=0
;;
(help)
_arguments "${_arguments_options[@]}" : \
":: :_pbsh__subcmd__ns__subcmd__help_commands" \
"*::: :->help" \
&& ret=0

    case $state in
    (help)
        words=($line[1] "${words[@]}")
        (( CURRENT += 1 ))
        curcontext="${curcontext%:*:*}:pbsh-ns-help-command-$line[1]:"
        case $line[1] in
            (list)
_arguments "${_arguments_options[@]}" : \
&& ret=0
;;
(create)
_arguments "${_arguments_options[@]}" : \
&& ret=0
;;
(delete)
_arguments "${_arguments_options[@]}" : \
&& ret=0
;;
(help)
_arguments "${_arguments_options[@]}" : \
&& ret=0
;;
        esac
    ;;
esac
;;
        esac
    ;;
esac
;;
(prune)
_arguments "${_arguments_options[@]}" : \
'--keep-last=[]:KEEP_LAST:_default' \
'--keep-hourly=[]:KEEP_HOURLY:_default' \
'--keep-daily=[]:KEEP_DAILY:_default' \
'--keep-weekly=[]:KEEP_WEEKLY:_default' \
'--keep-monthly=[]:KEEP_MONTHLY:_default' \
'--keep-yearly=[]:KEEP_YEARLY:_default' \
'--ns=[]:NS:_default' \
'--output-format=[]:OUTPUT_FORMAT:(text json json-pretty)' \
'--repository=[Repository\: \[\[USER@REALM\[!TOKEN\]@\]HOST\[\:PORT\]\:\]STORE (a bare STORE is on localhost), or a path (/…, ./…, ../…, ~/…, file\:PATH)\: a local datastore directory or a lone .pxar file (default\: \$XDG_DATA_HOME/pbsh/datastore)]:REPOSITORY:_files' \
'--fingerprint=[Expected SHA-256 fingerprint of the server'\''s certificate (or PBS_FINGERPRINT)]:FP:_default' \
'--start-ns=[Start in this namespace]:NS:_default' \
'--session-keyfile=[Key file for encrypted snapshots when browsing (default\: the default key, if any)]:PATH:_files' \
'--dry-run[Show the decisions without removing anything]' \
'--quiet[Show only what is removed (as proxmox-backup-client'\''s --quiet)]' \
'-h[Print help]' \
'--help[Print help]' \
':group -- The backup group (TYPE/ID):_default' \
&& ret=0
;;
(garbage-collect)
_arguments "${_arguments_options[@]}" : \
'--output-format=[json\: the figures (local), or the task'\''s UPID without following it (remote, as proxmox-backup-client)]:OUTPUT_FORMAT:(text json json-pretty)' \
'--repository=[Repository\: \[\[USER@REALM\[!TOKEN\]@\]HOST\[\:PORT\]\:\]STORE (a bare STORE is on localhost), or a path (/…, ./…, ../…, ~/…, file\:PATH)\: a local datastore directory or a lone .pxar file (default\: \$XDG_DATA_HOME/pbsh/datastore)]:REPOSITORY:_files' \
'--fingerprint=[Expected SHA-256 fingerprint of the server'\''s certificate (or PBS_FINGERPRINT)]:FP:_default' \
'--start-ns=[Start in this namespace]:NS:_default' \
'--session-keyfile=[Key file for encrypted snapshots when browsing (default\: the default key, if any)]:PATH:_files' \
'-h[Print help]' \
'--help[Print help]' \
&& ret=0
;;
(verify)
_arguments "${_arguments_options[@]}" : \
'--ns=[]:NS:_default' \
'--keyfile=[Also decrypt encrypted chunks with this key (otherwise only their CRC is checked)]:KEYFILE:_files' \
'--repository=[Repository\: \[\[USER@REALM\[!TOKEN\]@\]HOST\[\:PORT\]\:\]STORE (a bare STORE is on localhost), or a path (/…, ./…, ../…, ~/…, file\:PATH)\: a local datastore directory or a lone .pxar file (default\: \$XDG_DATA_HOME/pbsh/datastore)]:REPOSITORY:_files' \
'--fingerprint=[Expected SHA-256 fingerprint of the server'\''s certificate (or PBS_FINGERPRINT)]:FP:_default' \
'--start-ns=[Start in this namespace]:NS:_default' \
'--session-keyfile=[Key file for encrypted snapshots when browsing (default\: the default key, if any)]:PATH:_files' \
'-h[Print help]' \
'--help[Print help]' \
'::target -- A snapshot (TYPE/ID/TIME), a group (TYPE/ID), or nothing for every snapshot:_default' \
&& ret=0
;;
(status)
_arguments "${_arguments_options[@]}" : \
'--output-format=[]:OUTPUT_FORMAT:(text json json-pretty)' \
'--repository=[Repository\: \[\[USER@REALM\[!TOKEN\]@\]HOST\[\:PORT\]\:\]STORE (a bare STORE is on localhost), or a path (/…, ./…, ../…, ~/…, file\:PATH)\: a local datastore directory or a lone .pxar file (default\: \$XDG_DATA_HOME/pbsh/datastore)]:REPOSITORY:_files' \
'--fingerprint=[Expected SHA-256 fingerprint of the server'\''s certificate (or PBS_FINGERPRINT)]:FP:_default' \
'--start-ns=[Start in this namespace]:NS:_default' \
'--session-keyfile=[Key file for encrypted snapshots when browsing (default\: the default key, if any)]:PATH:_files' \
'-h[Print help]' \
'--help[Print help]' \
&& ret=0
;;
(datastore)
_arguments "${_arguments_options[@]}" : \
'--repository=[Repository\: \[\[USER@REALM\[!TOKEN\]@\]HOST\[\:PORT\]\:\]STORE (a bare STORE is on localhost), or a path (/…, ./…, ../…, ~/…, file\:PATH)\: a local datastore directory or a lone .pxar file (default\: \$XDG_DATA_HOME/pbsh/datastore)]:REPOSITORY:_files' \
'--fingerprint=[Expected SHA-256 fingerprint of the server'\''s certificate (or PBS_FINGERPRINT)]:FP:_default' \
'--start-ns=[Start in this namespace]:NS:_default' \
'--session-keyfile=[Key file for encrypted snapshots when browsing (default\: the default key, if any)]:PATH:_files' \
'-h[Print help]' \
'--help[Print help]' \
":: :_pbsh__subcmd__datastore_commands" \
"*::: :->datastore" \
&& ret=0

    case $state in
    (datastore)
        words=($line[1] "${words[@]}")
        (( CURRENT += 1 ))
        curcontext="${curcontext%:*:*}:pbsh-datastore-command-$line[1]:"
        case $line[1] in
            (create)
_arguments "${_arguments_options[@]}" : \
'--repository=[Repository\: \[\[USER@REALM\[!TOKEN\]@\]HOST\[\:PORT\]\:\]STORE (a bare STORE is on localhost), or a path (/…, ./…, ../…, ~/…, file\:PATH)\: a local datastore directory or a lone .pxar file (default\: \$XDG_DATA_HOME/pbsh/datastore)]:REPOSITORY:_files' \
'--fingerprint=[Expected SHA-256 fingerprint of the server'\''s certificate (or PBS_FINGERPRINT)]:FP:_default' \
'--start-ns=[Start in this namespace]:NS:_default' \
'--session-keyfile=[Key file for encrypted snapshots when browsing (default\: the default key, if any)]:PATH:_files' \
'--full[Create every \`.chunks/XXXX\` directory up front (needed before a PBS server takes it over)]' \
'-h[Print help]' \
'--help[Print help]' \
':path:_default' \
&& ret=0
;;
(help)
_arguments "${_arguments_options[@]}" : \
":: :_pbsh__subcmd__datastore__subcmd__help_commands" \
"*::: :->help" \
&& ret=0

    case $state in
    (help)
        words=($line[1] "${words[@]}")
        (( CURRENT += 1 ))
        curcontext="${curcontext%:*:*}:pbsh-datastore-help-command-$line[1]:"
        case $line[1] in
            (create)
_arguments "${_arguments_options[@]}" : \
&& ret=0
;;
(help)
_arguments "${_arguments_options[@]}" : \
&& ret=0
;;
        esac
    ;;
esac
;;
        esac
    ;;
esac
;;
(catalog)
_arguments "${_arguments_options[@]}" : \
'--repository=[Repository\: \[\[USER@REALM\[!TOKEN\]@\]HOST\[\:PORT\]\:\]STORE (a bare STORE is on localhost), or a path (/…, ./…, ../…, ~/…, file\:PATH)\: a local datastore directory or a lone .pxar file (default\: \$XDG_DATA_HOME/pbsh/datastore)]:REPOSITORY:_files' \
'--fingerprint=[Expected SHA-256 fingerprint of the server'\''s certificate (or PBS_FINGERPRINT)]:FP:_default' \
'--start-ns=[Start in this namespace]:NS:_default' \
'--session-keyfile=[Key file for encrypted snapshots when browsing (default\: the default key, if any)]:PATH:_files' \
'-h[Print help]' \
'--help[Print help]' \
":: :_pbsh__subcmd__catalog_commands" \
"*::: :->catalog" \
&& ret=0

    case $state in
    (catalog)
        words=($line[1] "${words[@]}")
        (( CURRENT += 1 ))
        curcontext="${curcontext%:*:*}:pbsh-catalog-command-$line[1]:"
        case $line[1] in
            (dump)
_arguments "${_arguments_options[@]}" : \
'--ns=[]:NS:_default' \
'--keyfile=[]:KEYFILE:_files' \
'(--keyfile)--keyfd=[Read the key file from this open file descriptor (instead of --keyfile)]:KEYFD:_default' \
'--repository=[Repository\: \[\[USER@REALM\[!TOKEN\]@\]HOST\[\:PORT\]\:\]STORE (a bare STORE is on localhost), or a path (/…, ./…, ../…, ~/…, file\:PATH)\: a local datastore directory or a lone .pxar file (default\: \$XDG_DATA_HOME/pbsh/datastore)]:REPOSITORY:_files' \
'--fingerprint=[Expected SHA-256 fingerprint of the server'\''s certificate (or PBS_FINGERPRINT)]:FP:_default' \
'--start-ns=[Start in this namespace]:NS:_default' \
'--session-keyfile=[Key file for encrypted snapshots when browsing (default\: the default key, if any)]:PATH:_files' \
'-h[Print help]' \
'--help[Print help]' \
':snapshot -- TYPE/ID/TIME, or TYPE/ID for the newest snapshot:_default' \
&& ret=0
;;
(shell)
_arguments "${_arguments_options[@]}" : \
'--ns=[]:NS:_default' \
'()--file=[A local .pcat1 catalog file to browse instead]:FILE:_files' \
'--keyfile=[The key for an encrypted archive (default\: the default key); the session keeps it]:KEYFILE:_files' \
'(--keyfile)--keyfd=[Read the key file from this open file descriptor (instead of --keyfile)]:KEYFD:_default' \
'--repository=[Repository\: \[\[USER@REALM\[!TOKEN\]@\]HOST\[\:PORT\]\:\]STORE (a bare STORE is on localhost), or a path (/…, ./…, ../…, ~/…, file\:PATH)\: a local datastore directory or a lone .pxar file (default\: \$XDG_DATA_HOME/pbsh/datastore)]:REPOSITORY:_files' \
'--fingerprint=[Expected SHA-256 fingerprint of the server'\''s certificate (or PBS_FINGERPRINT)]:FP:_default' \
'--start-ns=[Start in this namespace]:NS:_default' \
'--session-keyfile=[Key file for encrypted snapshots when browsing (default\: the default key, if any)]:PATH:_files' \
'-h[Print help]' \
'--help[Print help]' \
'::snapshot -- TYPE/ID/TIME, or TYPE/ID for the newest snapshot:_default' \
'::archive -- root.pxar, …:_default' \
&& ret=0
;;
(help)
_arguments "${_arguments_options[@]}" : \
":: :_pbsh__subcmd__catalog__subcmd__help_commands" \
"*::: :->help" \
&& ret=0

    case $state in
    (help)
        words=($line[1] "${words[@]}")
        (( CURRENT += 1 ))
        curcontext="${curcontext%:*:*}:pbsh-catalog-help-command-$line[1]:"
        case $line[1] in
            (dump)
_arguments "${_arguments_options[@]}" : \
&& ret=0
;;
(shell)
_arguments "${_arguments_options[@]}" : \
&& ret=0
;;
(help)
_arguments "${_arguments_options[@]}" : \
&& ret=0
;;
        esac
    ;;
esac
;;
        esac
    ;;
esac
;;
(bench)
_arguments "${_arguments_options[@]}" : \
'--duration=[Seconds to measure each row (fractions allowed, e.g. 0.2)]:DURATION:_default' \
'--output-format=[]:OUTPUT_FORMAT:(text json json-pretty)' \
'--keyfile=[Encrypt with this key file'\''s key (asks for its passphrase) instead of a random one]:KEYFILE:_files' \
'--repository=[Repository\: \[\[USER@REALM\[!TOKEN\]@\]HOST\[\:PORT\]\:\]STORE (a bare STORE is on localhost), or a path (/…, ./…, ../…, ~/…, file\:PATH)\: a local datastore directory or a lone .pxar file (default\: \$XDG_DATA_HOME/pbsh/datastore)]:REPOSITORY:_files' \
'--fingerprint=[Expected SHA-256 fingerprint of the server'\''s certificate (or PBS_FINGERPRINT)]:FP:_default' \
'--start-ns=[Start in this namespace]:NS:_default' \
'--session-keyfile=[Key file for encrypted snapshots when browsing (default\: the default key, if any)]:PATH:_files' \
'-h[Print help]' \
'--help[Print help]' \
&& ret=0
;;
(mount)
_arguments "${_arguments_options[@]}" : \
'--ns=[]:NS:_default' \
'--keyfile=[]:KEYFILE:_files' \
'--cache-size=[Chunk cache size, e.g. 64M, 1G (default 64M)]:CACHE_SIZE:_default' \
'--output-format=[]:OUTPUT_FORMAT:(text json json-pretty)' \
'--repository=[Repository\: \[\[USER@REALM\[!TOKEN\]@\]HOST\[\:PORT\]\:\]STORE (a bare STORE is on localhost), or a path (/…, ./…, ../…, ~/…, file\:PATH)\: a local datastore directory or a lone .pxar file (default\: \$XDG_DATA_HOME/pbsh/datastore)]:REPOSITORY:_files' \
'--fingerprint=[Expected SHA-256 fingerprint of the server'\''s certificate (or PBS_FINGERPRINT)]:FP:_default' \
'--start-ns=[Start in this namespace]:NS:_default' \
'--session-keyfile=[Key file for encrypted snapshots when browsing (default\: the default key, if any)]:PATH:_files' \
'(--foreground)--daemon[Detach a one-shot \`pbsh mount\` into the background once mounted (the default)]' \
'--foreground[Keep a one-shot \`pbsh mount\` in the foreground until unmounted or interrupted]' \
'--verbose[Stay in the foreground, as with --foreground (proxmox-backup-client'\''s option)]' \
'-h[Print help]' \
'--help[Print help]' \
'::snapshot -- TYPE/ID/TIME, or TYPE/ID for the newest snapshot (no arguments\: list this session'\''s mounts); or a tree path to an archive, followed by the mount point:_default' \
'::archive -- root.pxar (a split archive is named by either half or its plain name):_default' \
'::mountpoint -- An existing directory:_files' \
&& ret=0
;;
(umount)
_arguments "${_arguments_options[@]}" : \
'--repository=[Repository\: \[\[USER@REALM\[!TOKEN\]@\]HOST\[\:PORT\]\:\]STORE (a bare STORE is on localhost), or a path (/…, ./…, ../…, ~/…, file\:PATH)\: a local datastore directory or a lone .pxar file (default\: \$XDG_DATA_HOME/pbsh/datastore)]:REPOSITORY:_files' \
'--fingerprint=[Expected SHA-256 fingerprint of the server'\''s certificate (or PBS_FINGERPRINT)]:FP:_default' \
'--start-ns=[Start in this namespace]:NS:_default' \
'--session-keyfile=[Key file for encrypted snapshots when browsing (default\: the default key, if any)]:PATH:_files' \
'-h[Print help]' \
'--help[Print help]' \
':mountpoint:_files' \
&& ret=0
;;
(map)
_arguments "${_arguments_options[@]}" : \
'--ns=[]:NS:_default' \
'--keyfile=[]:KEYFILE:_files' \
'--cache-size=[Chunk cache size, e.g. 64M, 1G (default 64M)]:CACHE_SIZE:_default' \
'--output-format=[]:OUTPUT_FORMAT:(text json json-pretty)' \
'--repository=[Repository\: \[\[USER@REALM\[!TOKEN\]@\]HOST\[\:PORT\]\:\]STORE (a bare STORE is on localhost), or a path (/…, ./…, ../…, ~/…, file\:PATH)\: a local datastore directory or a lone .pxar file (default\: \$XDG_DATA_HOME/pbsh/datastore)]:REPOSITORY:_files' \
'--fingerprint=[Expected SHA-256 fingerprint of the server'\''s certificate (or PBS_FINGERPRINT)]:FP:_default' \
'--start-ns=[Start in this namespace]:NS:_default' \
'--session-keyfile=[Key file for encrypted snapshots when browsing (default\: the default key, if any)]:PATH:_files' \
'(--foreground)--daemon[Detach a one-shot \`pbsh mount\` into the background once mounted (the default)]' \
'--foreground[Keep a one-shot \`pbsh mount\` in the foreground until unmounted or interrupted]' \
'--verbose[Stay in the foreground, as with --foreground (proxmox-backup-client'\''s option)]' \
'-h[Print help]' \
'--help[Print help]' \
'::snapshot -- TYPE/ID/TIME, or TYPE/ID for the newest snapshot (no arguments\: list this session'\''s maps):_default' \
'::image -- disk.img:_default' \
'::mountdir -- Directory to mount on (default\: a new directory under the runtime directory):_files' \
&& ret=0
;;
(unmap)
_arguments "${_arguments_options[@]}" : \
'--repository=[Repository\: \[\[USER@REALM\[!TOKEN\]@\]HOST\[\:PORT\]\:\]STORE (a bare STORE is on localhost), or a path (/…, ./…, ../…, ~/…, file\:PATH)\: a local datastore directory or a lone .pxar file (default\: \$XDG_DATA_HOME/pbsh/datastore)]:REPOSITORY:_files' \
'--fingerprint=[Expected SHA-256 fingerprint of the server'\''s certificate (or PBS_FINGERPRINT)]:FP:_default' \
'--start-ns=[Start in this namespace]:NS:_default' \
'--session-keyfile=[Key file for encrypted snapshots when browsing (default\: the default key, if any)]:PATH:_files' \
'-h[Print help]' \
'--help[Print help]' \
':mountdir:_files' \
&& ret=0
;;
(pwd)
_arguments "${_arguments_options[@]}" : \
'--repository=[Repository\: \[\[USER@REALM\[!TOKEN\]@\]HOST\[\:PORT\]\:\]STORE (a bare STORE is on localhost), or a path (/…, ./…, ../…, ~/…, file\:PATH)\: a local datastore directory or a lone .pxar file (default\: \$XDG_DATA_HOME/pbsh/datastore)]:REPOSITORY:_files' \
'--fingerprint=[Expected SHA-256 fingerprint of the server'\''s certificate (or PBS_FINGERPRINT)]:FP:_default' \
'--start-ns=[Start in this namespace]:NS:_default' \
'--session-keyfile=[Key file for encrypted snapshots when browsing (default\: the default key, if any)]:PATH:_files' \
'-h[Print help]' \
'--help[Print help]' \
&& ret=0
;;
(cd)
_arguments "${_arguments_options[@]}" : \
'--repository=[Repository\: \[\[USER@REALM\[!TOKEN\]@\]HOST\[\:PORT\]\:\]STORE (a bare STORE is on localhost), or a path (/…, ./…, ../…, ~/…, file\:PATH)\: a local datastore directory or a lone .pxar file (default\: \$XDG_DATA_HOME/pbsh/datastore)]:REPOSITORY:_files' \
'--fingerprint=[Expected SHA-256 fingerprint of the server'\''s certificate (or PBS_FINGERPRINT)]:FP:_default' \
'--start-ns=[Start in this namespace]:NS:_default' \
'--session-keyfile=[Key file for encrypted snapshots when browsing (default\: the default key, if any)]:PATH:_files' \
'-h[Print help]' \
'--help[Print help]' \
'::path:_default' \
&& ret=0
;;
(ls)
_arguments "${_arguments_options[@]}" : \
'--output-format=[]:OUTPUT_FORMAT:(text json json-pretty)' \
'--repository=[Repository\: \[\[USER@REALM\[!TOKEN\]@\]HOST\[\:PORT\]\:\]STORE (a bare STORE is on localhost), or a path (/…, ./…, ../…, ~/…, file\:PATH)\: a local datastore directory or a lone .pxar file (default\: \$XDG_DATA_HOME/pbsh/datastore)]:REPOSITORY:_files' \
'--fingerprint=[Expected SHA-256 fingerprint of the server'\''s certificate (or PBS_FINGERPRINT)]:FP:_default' \
'--start-ns=[Start in this namespace]:NS:_default' \
'--session-keyfile=[Key file for encrypted snapshots when browsing (default\: the default key, if any)]:PATH:_files' \
'-l[Long format\: type, mode, owner, size, time, flags]' \
'-a[Show entries whose names start with \`.\`]' \
'-H[Sizes as 1.5 KiB, 3.2 MiB]' \
'--human-readable[Sizes as 1.5 KiB, 3.2 MiB]' \
'-t[Sort by time, newest first]' \
'-S[Sort by size, largest first]' \
'-r[Reverse the order]' \
'-d[List the directory itself, not its contents]' \
'-h[Print help]' \
'--help[Print help]' \
'*::paths -- Paths to list (globs allowed); default\: the current directory:_default' \
&& ret=0
;;
(tree)
_arguments "${_arguments_options[@]}" : \
'-L+[Descend at most this many levels (default\: 3 above archives, unlimited inside one)]:DEPTH:_default' \
'--repository=[Repository\: \[\[USER@REALM\[!TOKEN\]@\]HOST\[\:PORT\]\:\]STORE (a bare STORE is on localhost), or a path (/…, ./…, ../…, ~/…, file\:PATH)\: a local datastore directory or a lone .pxar file (default\: \$XDG_DATA_HOME/pbsh/datastore)]:REPOSITORY:_files' \
'--fingerprint=[Expected SHA-256 fingerprint of the server'\''s certificate (or PBS_FINGERPRINT)]:FP:_default' \
'--start-ns=[Start in this namespace]:NS:_default' \
'--session-keyfile=[Key file for encrypted snapshots when browsing (default\: the default key, if any)]:PATH:_files' \
'-a[]' \
'-h[Print help]' \
'--help[Print help]' \
'::path:_default' \
&& ret=0
;;
(stat)
_arguments "${_arguments_options[@]}" : \
'--output-format=[]:OUTPUT_FORMAT:(text json json-pretty)' \
'--repository=[Repository\: \[\[USER@REALM\[!TOKEN\]@\]HOST\[\:PORT\]\:\]STORE (a bare STORE is on localhost), or a path (/…, ./…, ../…, ~/…, file\:PATH)\: a local datastore directory or a lone .pxar file (default\: \$XDG_DATA_HOME/pbsh/datastore)]:REPOSITORY:_files' \
'--fingerprint=[Expected SHA-256 fingerprint of the server'\''s certificate (or PBS_FINGERPRINT)]:FP:_default' \
'--start-ns=[Start in this namespace]:NS:_default' \
'--session-keyfile=[Key file for encrypted snapshots when browsing (default\: the default key, if any)]:PATH:_files' \
'-h[Print help]' \
'--help[Print help]' \
'*::paths:_default' \
&& ret=0
;;
(find)
_arguments "${_arguments_options[@]}" : \
'--name=[Match the file name against this glob (\`-name\` works too)]:NAME:_default' \
'--path=[Match the path below the search start against this glob (\`**\` crosses directories)]:PATH:_default' \
'--type=[Only this type\: f (file), d (directory), l (symlink), h (hardlink)]:TYPE:_default' \
'--output-format=[]:OUTPUT_FORMAT:(text json json-pretty)' \
'--repository=[Repository\: \[\[USER@REALM\[!TOKEN\]@\]HOST\[\:PORT\]\:\]STORE (a bare STORE is on localhost), or a path (/…, ./…, ../…, ~/…, file\:PATH)\: a local datastore directory or a lone .pxar file (default\: \$XDG_DATA_HOME/pbsh/datastore)]:REPOSITORY:_files' \
'--fingerprint=[Expected SHA-256 fingerprint of the server'\''s certificate (or PBS_FINGERPRINT)]:FP:_default' \
'--start-ns=[Start in this namespace]:NS:_default' \
'--session-keyfile=[Key file for encrypted snapshots when browsing (default\: the default key, if any)]:PATH:_files' \
'--select[Add the matches to the selection (\`list-selected\`, \`restore-selected\`)]' \
'-h[Print help]' \
'--help[Print help]' \
'::start -- Where to search (default\: here). With glob characters and no --name/--path it is a match pattern as PBS'\''s catalog shell takes it, below the current directory\: without a `/` it matches names at any depth (`*.bin`), with one it is anchored (`etc/**/*.conf`), a trailing `/` matches directories only:_default' \
&& ret=0
;;
(diff)
_arguments "${_arguments_options[@]}" : \
'--output-format=[]:OUTPUT_FORMAT:(text json json-pretty)' \
'--repository=[Repository\: \[\[USER@REALM\[!TOKEN\]@\]HOST\[\:PORT\]\:\]STORE (a bare STORE is on localhost), or a path (/…, ./…, ../…, ~/…, file\:PATH)\: a local datastore directory or a lone .pxar file (default\: \$XDG_DATA_HOME/pbsh/datastore)]:REPOSITORY:_files' \
'--fingerprint=[Expected SHA-256 fingerprint of the server'\''s certificate (or PBS_FINGERPRINT)]:FP:_default' \
'--start-ns=[Start in this namespace]:NS:_default' \
'--session-keyfile=[Key file for encrypted snapshots when browsing (default\: the default key, if any)]:PATH:_files' \
'--content[Also compare the contents of files whose size is equal]' \
'-h[Print help]' \
'--help[Print help]' \
':a -- The older snapshot (a tree path, e.g. 2026-11-20T10\:00\:00Z or @-1 inside a group); alone, the newer one, compared with the snapshot before it:_default' \
'::b -- The newer snapshot:_default' \
'::path -- Compare only below this path (e.g. root.pxar/etc):_default' \
&& ret=0
;;
(cat)
_arguments "${_arguments_options[@]}" : \
'--repository=[Repository\: \[\[USER@REALM\[!TOKEN\]@\]HOST\[\:PORT\]\:\]STORE (a bare STORE is on localhost), or a path (/…, ./…, ../…, ~/…, file\:PATH)\: a local datastore directory or a lone .pxar file (default\: \$XDG_DATA_HOME/pbsh/datastore)]:REPOSITORY:_files' \
'--fingerprint=[Expected SHA-256 fingerprint of the server'\''s certificate (or PBS_FINGERPRINT)]:FP:_default' \
'--start-ns=[Start in this namespace]:NS:_default' \
'--session-keyfile=[Key file for encrypted snapshots when browsing (default\: the default key, if any)]:PATH:_files' \
'-h[Print help]' \
'--help[Print help]' \
'*::paths -- Files to print (globs allowed):_default' \
&& ret=0
;;
(get)
_arguments "${_arguments_options[@]}" : \
'--repository=[Repository\: \[\[USER@REALM\[!TOKEN\]@\]HOST\[\:PORT\]\:\]STORE (a bare STORE is on localhost), or a path (/…, ./…, ../…, ~/…, file\:PATH)\: a local datastore directory or a lone .pxar file (default\: \$XDG_DATA_HOME/pbsh/datastore)]:REPOSITORY:_files' \
'--fingerprint=[Expected SHA-256 fingerprint of the server'\''s certificate (or PBS_FINGERPRINT)]:FP:_default' \
'--start-ns=[Start in this namespace]:NS:_default' \
'--session-keyfile=[Key file for encrypted snapshots when browsing (default\: the default key, if any)]:PATH:_files' \
'--overwrite[Replace existing local files]' \
'--no-metadata[Do not restore owners and extended attributes]' \
'-h[Print help]' \
'--help[Print help]' \
'*::paths -- Remote paths (globs allowed), then the local file or directory to write to:_default' \
&& ret=0
;;
(notes)
_arguments "${_arguments_options[@]}" : \
'--set=[]:SET:_default' \
'--repository=[Repository\: \[\[USER@REALM\[!TOKEN\]@\]HOST\[\:PORT\]\:\]STORE (a bare STORE is on localhost), or a path (/…, ./…, ../…, ~/…, file\:PATH)\: a local datastore directory or a lone .pxar file (default\: \$XDG_DATA_HOME/pbsh/datastore)]:REPOSITORY:_files' \
'--fingerprint=[Expected SHA-256 fingerprint of the server'\''s certificate (or PBS_FINGERPRINT)]:FP:_default' \
'--start-ns=[Start in this namespace]:NS:_default' \
'--session-keyfile=[Key file for encrypted snapshots when browsing (default\: the default key, if any)]:PATH:_files' \
'-h[Print help]' \
'--help[Print help]' \
'::snapshot -- The snapshot (default\: the current one):_default' \
&& ret=0
;;
(select)
_arguments "${_arguments_options[@]}" : \
'--repository=[Repository\: \[\[USER@REALM\[!TOKEN\]@\]HOST\[\:PORT\]\:\]STORE (a bare STORE is on localhost), or a path (/…, ./…, ../…, ~/…, file\:PATH)\: a local datastore directory or a lone .pxar file (default\: \$XDG_DATA_HOME/pbsh/datastore)]:REPOSITORY:_files' \
'--fingerprint=[Expected SHA-256 fingerprint of the server'\''s certificate (or PBS_FINGERPRINT)]:FP:_default' \
'--start-ns=[Start in this namespace]:NS:_default' \
'--session-keyfile=[Key file for encrypted snapshots when browsing (default\: the default key, if any)]:PATH:_files' \
'-h[Print help]' \
'--help[Print help]' \
'*::paths:_default' \
&& ret=0
;;
(deselect)
_arguments "${_arguments_options[@]}" : \
'--repository=[Repository\: \[\[USER@REALM\[!TOKEN\]@\]HOST\[\:PORT\]\:\]STORE (a bare STORE is on localhost), or a path (/…, ./…, ../…, ~/…, file\:PATH)\: a local datastore directory or a lone .pxar file (default\: \$XDG_DATA_HOME/pbsh/datastore)]:REPOSITORY:_files' \
'--fingerprint=[Expected SHA-256 fingerprint of the server'\''s certificate (or PBS_FINGERPRINT)]:FP:_default' \
'--start-ns=[Start in this namespace]:NS:_default' \
'--session-keyfile=[Key file for encrypted snapshots when browsing (default\: the default key, if any)]:PATH:_files' \
'-h[Print help]' \
'--help[Print help]' \
'*::paths:_default' \
&& ret=0
;;
(clear-selected)
_arguments "${_arguments_options[@]}" : \
'--repository=[Repository\: \[\[USER@REALM\[!TOKEN\]@\]HOST\[\:PORT\]\:\]STORE (a bare STORE is on localhost), or a path (/…, ./…, ../…, ~/…, file\:PATH)\: a local datastore directory or a lone .pxar file (default\: \$XDG_DATA_HOME/pbsh/datastore)]:REPOSITORY:_files' \
'--fingerprint=[Expected SHA-256 fingerprint of the server'\''s certificate (or PBS_FINGERPRINT)]:FP:_default' \
'--start-ns=[Start in this namespace]:NS:_default' \
'--session-keyfile=[Key file for encrypted snapshots when browsing (default\: the default key, if any)]:PATH:_files' \
'-h[Print help]' \
'--help[Print help]' \
&& ret=0
;;
(list-selected)
_arguments "${_arguments_options[@]}" : \
'--output-format=[]:OUTPUT_FORMAT:(text json json-pretty)' \
'--repository=[Repository\: \[\[USER@REALM\[!TOKEN\]@\]HOST\[\:PORT\]\:\]STORE (a bare STORE is on localhost), or a path (/…, ./…, ../…, ~/…, file\:PATH)\: a local datastore directory or a lone .pxar file (default\: \$XDG_DATA_HOME/pbsh/datastore)]:REPOSITORY:_files' \
'--fingerprint=[Expected SHA-256 fingerprint of the server'\''s certificate (or PBS_FINGERPRINT)]:FP:_default' \
'--start-ns=[Start in this namespace]:NS:_default' \
'--session-keyfile=[Key file for encrypted snapshots when browsing (default\: the default key, if any)]:PATH:_files' \
'--patterns[Print the selection as match patterns (what \`restore --pattern\` takes; one \`# ARCHIVE\` line before each archive'\''s when they span several), not the paths they match]' \
'-h[Print help]' \
'--help[Print help]' \
&& ret=0
;;
(restore-selected)
_arguments "${_arguments_options[@]}" : \
'--repository=[Repository\: \[\[USER@REALM\[!TOKEN\]@\]HOST\[\:PORT\]\:\]STORE (a bare STORE is on localhost), or a path (/…, ./…, ../…, ~/…, file\:PATH)\: a local datastore directory or a lone .pxar file (default\: \$XDG_DATA_HOME/pbsh/datastore)]:REPOSITORY:_files' \
'--fingerprint=[Expected SHA-256 fingerprint of the server'\''s certificate (or PBS_FINGERPRINT)]:FP:_default' \
'--start-ns=[Start in this namespace]:NS:_default' \
'--session-keyfile=[Key file for encrypted snapshots when browsing (default\: the default key, if any)]:PATH:_files' \
'--overwrite[Replace existing files]' \
'-h[Print help]' \
'--help[Print help]' \
':target -- Local directory to restore into (created if missing):_files' \
&& ret=0
;;
(history)
_arguments "${_arguments_options[@]}" : \
'--output-format=[]:OUTPUT_FORMAT:(text json json-pretty)' \
'--repository=[Repository\: \[\[USER@REALM\[!TOKEN\]@\]HOST\[\:PORT\]\:\]STORE (a bare STORE is on localhost), or a path (/…, ./…, ../…, ~/…, file\:PATH)\: a local datastore directory or a lone .pxar file (default\: \$XDG_DATA_HOME/pbsh/datastore)]:REPOSITORY:_files' \
'--fingerprint=[Expected SHA-256 fingerprint of the server'\''s certificate (or PBS_FINGERPRINT)]:FP:_default' \
'--start-ns=[Start in this namespace]:NS:_default' \
'--session-keyfile=[Key file for encrypted snapshots when browsing (default\: the default key, if any)]:PATH:_files' \
'-h[Print help]' \
'--help[Print help]' \
'::path:_default' \
&& ret=0
;;
(open)
_arguments "${_arguments_options[@]}" : \
'--ns=[Start in this namespace]:NS:_default' \
'--repository=[Repository\: \[\[USER@REALM\[!TOKEN\]@\]HOST\[\:PORT\]\:\]STORE (a bare STORE is on localhost), or a path (/…, ./…, ../…, ~/…, file\:PATH)\: a local datastore directory or a lone .pxar file (default\: \$XDG_DATA_HOME/pbsh/datastore)]:REPOSITORY:_files' \
'--fingerprint=[Expected SHA-256 fingerprint of the server'\''s certificate (or PBS_FINGERPRINT)]:FP:_default' \
'--start-ns=[Start in this namespace]:NS:_default' \
'--session-keyfile=[Key file for encrypted snapshots when browsing (default\: the default key, if any)]:PATH:_files' \
'-h[Print help]' \
'--help[Print help]' \
':open_repository:_files' \
&& ret=0
;;
(close)
_arguments "${_arguments_options[@]}" : \
'--repository=[Repository\: \[\[USER@REALM\[!TOKEN\]@\]HOST\[\:PORT\]\:\]STORE (a bare STORE is on localhost), or a path (/…, ./…, ../…, ~/…, file\:PATH)\: a local datastore directory or a lone .pxar file (default\: \$XDG_DATA_HOME/pbsh/datastore)]:REPOSITORY:_files' \
'--fingerprint=[Expected SHA-256 fingerprint of the server'\''s certificate (or PBS_FINGERPRINT)]:FP:_default' \
'--start-ns=[Start in this namespace]:NS:_default' \
'--session-keyfile=[Key file for encrypted snapshots when browsing (default\: the default key, if any)]:PATH:_files' \
'-h[Print help]' \
'--help[Print help]' \
&& ret=0
;;
(set)
_arguments "${_arguments_options[@]}" : \
'--repository=[Repository\: \[\[USER@REALM\[!TOKEN\]@\]HOST\[\:PORT\]\:\]STORE (a bare STORE is on localhost), or a path (/…, ./…, ../…, ~/…, file\:PATH)\: a local datastore directory or a lone .pxar file (default\: \$XDG_DATA_HOME/pbsh/datastore)]:REPOSITORY:_files' \
'--fingerprint=[Expected SHA-256 fingerprint of the server'\''s certificate (or PBS_FINGERPRINT)]:FP:_default' \
'--start-ns=[Start in this namespace]:NS:_default' \
'--session-keyfile=[Key file for encrypted snapshots when browsing (default\: the default key, if any)]:PATH:_files' \
'-h[Print help]' \
'--help[Print help]' \
'*::words:_default' \
&& ret=0
;;
(login)
_arguments "${_arguments_options[@]}" : \
'--repository=[Repository\: \[\[USER@REALM\[!TOKEN\]@\]HOST\[\:PORT\]\:\]STORE (a bare STORE is on localhost), or a path (/…, ./…, ../…, ~/…, file\:PATH)\: a local datastore directory or a lone .pxar file (default\: \$XDG_DATA_HOME/pbsh/datastore)]:REPOSITORY:_files' \
'--fingerprint=[Expected SHA-256 fingerprint of the server'\''s certificate (or PBS_FINGERPRINT)]:FP:_default' \
'--start-ns=[Start in this namespace]:NS:_default' \
'--session-keyfile=[Key file for encrypted snapshots when browsing (default\: the default key, if any)]:PATH:_files' \
'-h[Print help]' \
'--help[Print help]' \
&& ret=0
;;
(logout)
_arguments "${_arguments_options[@]}" : \
'--repository=[Repository\: \[\[USER@REALM\[!TOKEN\]@\]HOST\[\:PORT\]\:\]STORE (a bare STORE is on localhost), or a path (/…, ./…, ../…, ~/…, file\:PATH)\: a local datastore directory or a lone .pxar file (default\: \$XDG_DATA_HOME/pbsh/datastore)]:REPOSITORY:_files' \
'--fingerprint=[Expected SHA-256 fingerprint of the server'\''s certificate (or PBS_FINGERPRINT)]:FP:_default' \
'--start-ns=[Start in this namespace]:NS:_default' \
'--session-keyfile=[Key file for encrypted snapshots when browsing (default\: the default key, if any)]:PATH:_files' \
'-h[Print help]' \
'--help[Print help]' \
&& ret=0
;;
(task)
_arguments "${_arguments_options[@]}" : \
'--repository=[Repository\: \[\[USER@REALM\[!TOKEN\]@\]HOST\[\:PORT\]\:\]STORE (a bare STORE is on localhost), or a path (/…, ./…, ../…, ~/…, file\:PATH)\: a local datastore directory or a lone .pxar file (default\: \$XDG_DATA_HOME/pbsh/datastore)]:REPOSITORY:_files' \
'--fingerprint=[Expected SHA-256 fingerprint of the server'\''s certificate (or PBS_FINGERPRINT)]:FP:_default' \
'--start-ns=[Start in this namespace]:NS:_default' \
'--session-keyfile=[Key file for encrypted snapshots when browsing (default\: the default key, if any)]:PATH:_files' \
'-h[Print help]' \
'--help[Print help]' \
":: :_pbsh__subcmd__task_commands" \
"*::: :->task" \
&& ret=0

    case $state in
    (task)
        words=($line[1] "${words[@]}")
        (( CURRENT += 1 ))
        curcontext="${curcontext%:*:*}:pbsh-task-command-$line[1]:"
        case $line[1] in
            (list)
_arguments "${_arguments_options[@]}" : \
'--limit=[]:LIMIT:_default' \
'--output-format=[]:OUTPUT_FORMAT:(text json json-pretty)' \
'--repository=[Repository\: \[\[USER@REALM\[!TOKEN\]@\]HOST\[\:PORT\]\:\]STORE (a bare STORE is on localhost), or a path (/…, ./…, ../…, ~/…, file\:PATH)\: a local datastore directory or a lone .pxar file (default\: \$XDG_DATA_HOME/pbsh/datastore)]:REPOSITORY:_files' \
'--fingerprint=[Expected SHA-256 fingerprint of the server'\''s certificate (or PBS_FINGERPRINT)]:FP:_default' \
'--start-ns=[Start in this namespace]:NS:_default' \
'--session-keyfile=[Key file for encrypted snapshots when browsing (default\: the default key, if any)]:PATH:_files' \
'--all[Also the tasks that have ended (as proxmox-backup-client\: only running ones without)]' \
'--all-users[Tasks of every user, not only this one'\''s (needs Sys.Audit)]' \
'-h[Print help]' \
'--help[Print help]' \
&& ret=0
;;
(log)
_arguments "${_arguments_options[@]}" : \
'--repository=[Repository\: \[\[USER@REALM\[!TOKEN\]@\]HOST\[\:PORT\]\:\]STORE (a bare STORE is on localhost), or a path (/…, ./…, ../…, ~/…, file\:PATH)\: a local datastore directory or a lone .pxar file (default\: \$XDG_DATA_HOME/pbsh/datastore)]:REPOSITORY:_files' \
'--fingerprint=[Expected SHA-256 fingerprint of the server'\''s certificate (or PBS_FINGERPRINT)]:FP:_default' \
'--start-ns=[Start in this namespace]:NS:_default' \
'--session-keyfile=[Key file for encrypted snapshots when browsing (default\: the default key, if any)]:PATH:_files' \
'--follow[Keep printing until the task ends]' \
'-h[Print help]' \
'--help[Print help]' \
':upid:_default' \
&& ret=0
;;
(stop)
_arguments "${_arguments_options[@]}" : \
'--repository=[Repository\: \[\[USER@REALM\[!TOKEN\]@\]HOST\[\:PORT\]\:\]STORE (a bare STORE is on localhost), or a path (/…, ./…, ../…, ~/…, file\:PATH)\: a local datastore directory or a lone .pxar file (default\: \$XDG_DATA_HOME/pbsh/datastore)]:REPOSITORY:_files' \
'--fingerprint=[Expected SHA-256 fingerprint of the server'\''s certificate (or PBS_FINGERPRINT)]:FP:_default' \
'--start-ns=[Start in this namespace]:NS:_default' \
'--session-keyfile=[Key file for encrypted snapshots when browsing (default\: the default key, if any)]:PATH:_files' \
'-h[Print help]' \
'--help[Print help]' \
':upid:_default' \
&& ret=0
;;
(help)
_arguments "${_arguments_options[@]}" : \
":: :_pbsh__subcmd__task__subcmd__help_commands" \
"*::: :->help" \
&& ret=0

    case $state in
    (help)
        words=($line[1] "${words[@]}")
        (( CURRENT += 1 ))
        curcontext="${curcontext%:*:*}:pbsh-task-help-command-$line[1]:"
        case $line[1] in
            (list)
_arguments "${_arguments_options[@]}" : \
&& ret=0
;;
(log)
_arguments "${_arguments_options[@]}" : \
&& ret=0
;;
(stop)
_arguments "${_arguments_options[@]}" : \
&& ret=0
;;
(help)
_arguments "${_arguments_options[@]}" : \
&& ret=0
;;
        esac
    ;;
esac
;;
        esac
    ;;
esac
;;
(lcd)
_arguments "${_arguments_options[@]}" : \
'--repository=[Repository\: \[\[USER@REALM\[!TOKEN\]@\]HOST\[\:PORT\]\:\]STORE (a bare STORE is on localhost), or a path (/…, ./…, ../…, ~/…, file\:PATH)\: a local datastore directory or a lone .pxar file (default\: \$XDG_DATA_HOME/pbsh/datastore)]:REPOSITORY:_files' \
'--fingerprint=[Expected SHA-256 fingerprint of the server'\''s certificate (or PBS_FINGERPRINT)]:FP:_default' \
'--start-ns=[Start in this namespace]:NS:_default' \
'--session-keyfile=[Key file for encrypted snapshots when browsing (default\: the default key, if any)]:PATH:_files' \
'-h[Print help]' \
'--help[Print help]' \
'::dir:_default' \
&& ret=0
;;
(lpwd)
_arguments "${_arguments_options[@]}" : \
'--repository=[Repository\: \[\[USER@REALM\[!TOKEN\]@\]HOST\[\:PORT\]\:\]STORE (a bare STORE is on localhost), or a path (/…, ./…, ../…, ~/…, file\:PATH)\: a local datastore directory or a lone .pxar file (default\: \$XDG_DATA_HOME/pbsh/datastore)]:REPOSITORY:_files' \
'--fingerprint=[Expected SHA-256 fingerprint of the server'\''s certificate (or PBS_FINGERPRINT)]:FP:_default' \
'--start-ns=[Start in this namespace]:NS:_default' \
'--session-keyfile=[Key file for encrypted snapshots when browsing (default\: the default key, if any)]:PATH:_files' \
'-h[Print help]' \
'--help[Print help]' \
&& ret=0
;;
(lls)
_arguments "${_arguments_options[@]}" : \
'--repository=[Repository\: \[\[USER@REALM\[!TOKEN\]@\]HOST\[\:PORT\]\:\]STORE (a bare STORE is on localhost), or a path (/…, ./…, ../…, ~/…, file\:PATH)\: a local datastore directory or a lone .pxar file (default\: \$XDG_DATA_HOME/pbsh/datastore)]:REPOSITORY:_files' \
'--fingerprint=[Expected SHA-256 fingerprint of the server'\''s certificate (or PBS_FINGERPRINT)]:FP:_default' \
'--start-ns=[Start in this namespace]:NS:_default' \
'--session-keyfile=[Key file for encrypted snapshots when browsing (default\: the default key, if any)]:PATH:_files' \
'-h[Print help]' \
'--help[Print help]' \
'*::args:_default' \
&& ret=0
;;
(completion)
_arguments "${_arguments_options[@]}" : \
'--repository=[Repository\: \[\[USER@REALM\[!TOKEN\]@\]HOST\[\:PORT\]\:\]STORE (a bare STORE is on localhost), or a path (/…, ./…, ../…, ~/…, file\:PATH)\: a local datastore directory or a lone .pxar file (default\: \$XDG_DATA_HOME/pbsh/datastore)]:REPOSITORY:_files' \
'--fingerprint=[Expected SHA-256 fingerprint of the server'\''s certificate (or PBS_FINGERPRINT)]:FP:_default' \
'--start-ns=[Start in this namespace]:NS:_default' \
'--session-keyfile=[Key file for encrypted snapshots when browsing (default\: the default key, if any)]:PATH:_files' \
'-h[Print help]' \
'--help[Print help]' \
':shell:(bash elvish fish powershell zsh)' \
&& ret=0
;;
(exit)
_arguments "${_arguments_options[@]}" : \
'--repository=[Repository\: \[\[USER@REALM\[!TOKEN\]@\]HOST\[\:PORT\]\:\]STORE (a bare STORE is on localhost), or a path (/…, ./…, ../…, ~/…, file\:PATH)\: a local datastore directory or a lone .pxar file (default\: \$XDG_DATA_HOME/pbsh/datastore)]:REPOSITORY:_files' \
'--fingerprint=[Expected SHA-256 fingerprint of the server'\''s certificate (or PBS_FINGERPRINT)]:FP:_default' \
'--start-ns=[Start in this namespace]:NS:_default' \
'--session-keyfile=[Key file for encrypted snapshots when browsing (default\: the default key, if any)]:PATH:_files' \
'-h[Print help]' \
'--help[Print help]' \
&& ret=0
;;
(help)
_arguments "${_arguments_options[@]}" : \
":: :_pbsh__subcmd__help_commands" \
"*::: :->help" \
&& ret=0

    case $state in
    (help)
        words=($line[1] "${words[@]}")
        (( CURRENT += 1 ))
        curcontext="${curcontext%:*:*}:pbsh-help-command-$line[1]:"
        case $line[1] in
            (key)
_arguments "${_arguments_options[@]}" : \
":: :_pbsh__subcmd__help__subcmd__key_commands" \
"*::: :->key" \
&& ret=0

    case $state in
    (key)
        words=($line[1] "${words[@]}")
        (( CURRENT += 1 ))
        curcontext="${curcontext%:*:*}:pbsh-help-key-command-$line[1]:"
        case $line[1] in
            (create)
_arguments "${_arguments_options[@]}" : \
&& ret=0
;;
(create-master-key)
_arguments "${_arguments_options[@]}" : \
&& ret=0
;;
(import-with-master-key)
_arguments "${_arguments_options[@]}" : \
&& ret=0
;;
(change-passphrase)
_arguments "${_arguments_options[@]}" : \
&& ret=0
;;
(show)
_arguments "${_arguments_options[@]}" : \
&& ret=0
;;
(paperkey)
_arguments "${_arguments_options[@]}" : \
&& ret=0
;;
(show-master-pubkey)
_arguments "${_arguments_options[@]}" : \
&& ret=0
;;
(import-master-pubkey)
_arguments "${_arguments_options[@]}" : \
&& ret=0
;;
        esac
    ;;
esac
;;
(backup)
_arguments "${_arguments_options[@]}" : \
&& ret=0
;;
(restore)
_arguments "${_arguments_options[@]}" : \
&& ret=0
;;
(list)
_arguments "${_arguments_options[@]}" : \
&& ret=0
;;
(snapshot)
_arguments "${_arguments_options[@]}" : \
":: :_pbsh__subcmd__help__subcmd__snapshot_commands" \
"*::: :->snapshot" \
&& ret=0

    case $state in
    (snapshot)
        words=($line[1] "${words[@]}")
        (( CURRENT += 1 ))
        curcontext="${curcontext%:*:*}:pbsh-help-snapshot-command-$line[1]:"
        case $line[1] in
            (list)
_arguments "${_arguments_options[@]}" : \
&& ret=0
;;
(files)
_arguments "${_arguments_options[@]}" : \
&& ret=0
;;
(forget)
_arguments "${_arguments_options[@]}" : \
&& ret=0
;;
(protected)
_arguments "${_arguments_options[@]}" : \
":: :_pbsh__subcmd__help__subcmd__snapshot__subcmd__protected_commands" \
"*::: :->protected" \
&& ret=0

    case $state in
    (protected)
        words=($line[1] "${words[@]}")
        (( CURRENT += 1 ))
        curcontext="${curcontext%:*:*}:pbsh-help-snapshot-protected-command-$line[1]:"
        case $line[1] in
            (show)
_arguments "${_arguments_options[@]}" : \
&& ret=0
;;
(update)
_arguments "${_arguments_options[@]}" : \
&& ret=0
;;
        esac
    ;;
esac
;;
(notes)
_arguments "${_arguments_options[@]}" : \
":: :_pbsh__subcmd__help__subcmd__snapshot__subcmd__notes_commands" \
"*::: :->notes" \
&& ret=0

    case $state in
    (notes)
        words=($line[1] "${words[@]}")
        (( CURRENT += 1 ))
        curcontext="${curcontext%:*:*}:pbsh-help-snapshot-notes-command-$line[1]:"
        case $line[1] in
            (show)
_arguments "${_arguments_options[@]}" : \
&& ret=0
;;
(update)
_arguments "${_arguments_options[@]}" : \
&& ret=0
;;
        esac
    ;;
esac
;;
(upload-log)
_arguments "${_arguments_options[@]}" : \
&& ret=0
;;
        esac
    ;;
esac
;;
(forget)
_arguments "${_arguments_options[@]}" : \
&& ret=0
;;
(protect)
_arguments "${_arguments_options[@]}" : \
&& ret=0
;;
(change-owner)
_arguments "${_arguments_options[@]}" : \
&& ret=0
;;
(version)
_arguments "${_arguments_options[@]}" : \
&& ret=0
;;
(unprotect)
_arguments "${_arguments_options[@]}" : \
&& ret=0
;;
(ns)
_arguments "${_arguments_options[@]}" : \
":: :_pbsh__subcmd__help__subcmd__ns_commands" \
"*::: :->ns" \
&& ret=0

    case $state in
    (ns)
        words=($line[1] "${words[@]}")
        (( CURRENT += 1 ))
        curcontext="${curcontext%:*:*}:pbsh-help-ns-command-$line[1]:"
        case $line[1] in
            (list)
_arguments "${_arguments_options[@]}" : \
&& ret=0
;;
(create)
_arguments "${_arguments_options[@]}" : \
&& ret=0
;;
(delete)
_arguments "${_arguments_options[@]}" : \
&& ret=0
;;
        esac
    ;;
esac
;;
(prune)
_arguments "${_arguments_options[@]}" : \
&& ret=0
;;
(garbage-collect)
_arguments "${_arguments_options[@]}" : \
&& ret=0
;;
(verify)
_arguments "${_arguments_options[@]}" : \
&& ret=0
;;
(status)
_arguments "${_arguments_options[@]}" : \
&& ret=0
;;
(datastore)
_arguments "${_arguments_options[@]}" : \
":: :_pbsh__subcmd__help__subcmd__datastore_commands" \
"*::: :->datastore" \
&& ret=0

    case $state in
    (datastore)
        words=($line[1] "${words[@]}")
        (( CURRENT += 1 ))
        curcontext="${curcontext%:*:*}:pbsh-help-datastore-command-$line[1]:"
        case $line[1] in
            (create)
_arguments "${_arguments_options[@]}" : \
&& ret=0
;;
        esac
    ;;
esac
;;
(catalog)
_arguments "${_arguments_options[@]}" : \
":: :_pbsh__subcmd__help__subcmd__catalog_commands" \
"*::: :->catalog" \
&& ret=0

    case $state in
    (catalog)
        words=($line[1] "${words[@]}")
        (( CURRENT += 1 ))
        curcontext="${curcontext%:*:*}:pbsh-help-catalog-command-$line[1]:"
        case $line[1] in
            (dump)
_arguments "${_arguments_options[@]}" : \
&& ret=0
;;
(shell)
_arguments "${_arguments_options[@]}" : \
&& ret=0
;;
        esac
    ;;
esac
;;
(bench)
_arguments "${_arguments_options[@]}" : \
&& ret=0
;;
(mount)
_arguments "${_arguments_options[@]}" : \
&& ret=0
;;
(umount)
_arguments "${_arguments_options[@]}" : \
&& ret=0
;;
(map)
_arguments "${_arguments_options[@]}" : \
&& ret=0
;;
(unmap)
_arguments "${_arguments_options[@]}" : \
&& ret=0
;;
(pwd)
_arguments "${_arguments_options[@]}" : \
&& ret=0
;;
(cd)
_arguments "${_arguments_options[@]}" : \
&& ret=0
;;
(ls)
_arguments "${_arguments_options[@]}" : \
&& ret=0
;;
(tree)
_arguments "${_arguments_options[@]}" : \
&& ret=0
;;
(stat)
_arguments "${_arguments_options[@]}" : \
&& ret=0
;;
(find)
_arguments "${_arguments_options[@]}" : \
&& ret=0
;;
(diff)
_arguments "${_arguments_options[@]}" : \
&& ret=0
;;
(cat)
_arguments "${_arguments_options[@]}" : \
&& ret=0
;;
(get)
_arguments "${_arguments_options[@]}" : \
&& ret=0
;;
(notes)
_arguments "${_arguments_options[@]}" : \
&& ret=0
;;
(select)
_arguments "${_arguments_options[@]}" : \
&& ret=0
;;
(deselect)
_arguments "${_arguments_options[@]}" : \
&& ret=0
;;
(clear-selected)
_arguments "${_arguments_options[@]}" : \
&& ret=0
;;
(list-selected)
_arguments "${_arguments_options[@]}" : \
&& ret=0
;;
(restore-selected)
_arguments "${_arguments_options[@]}" : \
&& ret=0
;;
(history)
_arguments "${_arguments_options[@]}" : \
&& ret=0
;;
(open)
_arguments "${_arguments_options[@]}" : \
&& ret=0
;;
(close)
_arguments "${_arguments_options[@]}" : \
&& ret=0
;;
(set)
_arguments "${_arguments_options[@]}" : \
&& ret=0
;;
(login)
_arguments "${_arguments_options[@]}" : \
&& ret=0
;;
(logout)
_arguments "${_arguments_options[@]}" : \
&& ret=0
;;
(task)
_arguments "${_arguments_options[@]}" : \
":: :_pbsh__subcmd__help__subcmd__task_commands" \
"*::: :->task" \
&& ret=0

    case $state in
    (task)
        words=($line[1] "${words[@]}")
        (( CURRENT += 1 ))
        curcontext="${curcontext%:*:*}:pbsh-help-task-command-$line[1]:"
        case $line[1] in
            (list)
_arguments "${_arguments_options[@]}" : \
&& ret=0
;;
(log)
_arguments "${_arguments_options[@]}" : \
&& ret=0
;;
(stop)
_arguments "${_arguments_options[@]}" : \
&& ret=0
;;
        esac
    ;;
esac
;;
(lcd)
_arguments "${_arguments_options[@]}" : \
&& ret=0
;;
(lpwd)
_arguments "${_arguments_options[@]}" : \
&& ret=0
;;
(lls)
_arguments "${_arguments_options[@]}" : \
&& ret=0
;;
(completion)
_arguments "${_arguments_options[@]}" : \
&& ret=0
;;
(exit)
_arguments "${_arguments_options[@]}" : \
&& ret=0
;;
(help)
_arguments "${_arguments_options[@]}" : \
&& ret=0
;;
        esac
    ;;
esac
;;
        esac
    ;;
esac
}

(( $+functions[_pbsh_commands] )) ||
_pbsh_commands() {
    local commands; commands=(
'key:Manage encryption keys (passphrase keys, RSA master keys, paperkeys)' \
'backup:Back up directories (NAME.pxar\:DIR), images (NAME.img\:FILE) and files into a new snapshot' \
'restore:Restore an archive of a snapshot to a directory, a file, or \`-\` for standard output' \
'list:List backup groups' \
'snapshot:Snapshot management\: list, files, forget, protected, notes' \
'forget:Remove a snapshot (TYPE/ID/TIME) or a whole group (TYPE/ID)' \
'protect:Protect a snapshot from forget and prune' \
'change-owner:Give a group to another owner (a user or API token)\: \`change-owner TYPE/ID NEW_OWNER\`' \
'version:pbsh'\''s version and, for a remote repository, the server'\''s' \
'unprotect:Remove a snapshot'\''s protection' \
'ns:Namespaces\: list, create, delete' \
'prune:Remove the snapshots of a group that the --keep-… rules do not keep' \
'garbage-collect:Remove chunks no snapshot references (older than the 24 h grace period)' \
'verify:Check snapshots\: manifests, indexes and every chunk' \
'status:Datastore usage and deduplication factor' \
'datastore:Create a local datastore directory (\`--full\` makes all 65,536 chunk directories, as PBS does)' \
'catalog:The catalog of a snapshot\: \`catalog dump SNAPSHOT\`' \
'bench:Measure this machine'\''s hashing, compression, encryption, chunking and pipeline speed' \
'mount:Mount an archive read-only\: \`mount SNAPSHOT ARCHIVE MOUNTPOINT\`; alone\: list mounts' \
'umount:Unmount a mount of this session' \
'map:Map an image as a file\: \`map SNAPSHOT IMAGE.img \[MOUNTDIR\]\`; alone\: list maps' \
'unmap:Unmap an image mapped by this session (by its mount directory)' \
'pwd:Print the current location in the tree' \
'cd:Change directory in the tree (\`..\`, \`~\`, \`-\`, globs; see \`help paths\`)' \
'ls:List a directory of the tree\: datastores, namespaces, groups, snapshots, archives, files' \
'tree:Show a subtree' \
'stat:Show everything known about a node' \
'find:Find files inside archives by name or path glob; at a group, across every snapshot' \
'diff:Added, removed and changed files between two snapshots (from their catalogs)' \
'cat:Print files from archives (or image, blob and catalog archives) to standard output' \
'get:Copy files or directories out of archives to a local path, with their metadata' \
'notes:Show a snapshot'\''s notes, or set them with --set' \
'select:Add paths inside archives to the selection' \
'deselect:Remove paths from the selection' \
'clear-selected:Empty the selection' \
'list-selected:List the selection\: the paths selected and what selected patterns match' \
'restore-selected:Restore everything selected into a local directory' \
'history:Without PATH\: the command history. With PATH\: every version of a file across its group' \
'open:Open another repository in this session\: HOST\:STORE (a bare STORE is on localhost), a local datastore path (/…, ./…, ../…, ~/…, file\:PATH) or a lone .pxar file (read-only)' \
'close:Close the repository and go back to the default local datastore' \
'set:Session settings\: \`set -e off\` (keep going after errors), \`set keyfile PATH\`, \`set color off\`' \
'login:Log in to a remote repository (local datastores need none)' \
'logout:Forget the remote ticket' \
'task:Server tasks\: \`task list\`, \`task log UPID \[--follow\]\`, \`task stop UPID\`' \
'lcd:Change the local working directory' \
'lpwd:Print the local working directory' \
'lls:List local files (runs ls)' \
'completion:Print the completion script of the one-shot command line for bash, zsh or fish' \
'exit:Leave the shell' \
'help:Print this message or the help of the given subcommand(s)' \
    )
    _describe -t commands 'pbsh commands' commands "$@"
}
(( $+functions[_pbsh__subcmd__backup_commands] )) ||
_pbsh__subcmd__backup_commands() {
    local commands; commands=()
    _describe -t commands 'pbsh backup commands' commands "$@"
}
(( $+functions[_pbsh__subcmd__bench_commands] )) ||
_pbsh__subcmd__bench_commands() {
    local commands; commands=()
    _describe -t commands 'pbsh bench commands' commands "$@"
}
(( $+functions[_pbsh__subcmd__cat_commands] )) ||
_pbsh__subcmd__cat_commands() {
    local commands; commands=()
    _describe -t commands 'pbsh cat commands' commands "$@"
}
(( $+functions[_pbsh__subcmd__catalog_commands] )) ||
_pbsh__subcmd__catalog_commands() {
    local commands; commands=(
'dump:Print every entry of a snapshot'\''s catalog' \
'shell:Browse an archive\: SNAPSHOT ARCHIVE (like PBS'\''s catalog shell, in this session'\''s tree), or a local catalog file with --file' \
'help:Print this message or the help of the given subcommand(s)' \
    )
    _describe -t commands 'pbsh catalog commands' commands "$@"
}
(( $+functions[_pbsh__subcmd__catalog__subcmd__dump_commands] )) ||
_pbsh__subcmd__catalog__subcmd__dump_commands() {
    local commands; commands=()
    _describe -t commands 'pbsh catalog dump commands' commands "$@"
}
(( $+functions[_pbsh__subcmd__catalog__subcmd__help_commands] )) ||
_pbsh__subcmd__catalog__subcmd__help_commands() {
    local commands; commands=(
'dump:Print every entry of a snapshot'\''s catalog' \
'shell:Browse an archive\: SNAPSHOT ARCHIVE (like PBS'\''s catalog shell, in this session'\''s tree), or a local catalog file with --file' \
'help:Print this message or the help of the given subcommand(s)' \
    )
    _describe -t commands 'pbsh catalog help commands' commands "$@"
}
(( $+functions[_pbsh__subcmd__catalog__subcmd__help__subcmd__dump_commands] )) ||
_pbsh__subcmd__catalog__subcmd__help__subcmd__dump_commands() {
    local commands; commands=()
    _describe -t commands 'pbsh catalog help dump commands' commands "$@"
}
(( $+functions[_pbsh__subcmd__catalog__subcmd__help__subcmd__help_commands] )) ||
_pbsh__subcmd__catalog__subcmd__help__subcmd__help_commands() {
    local commands; commands=()
    _describe -t commands 'pbsh catalog help help commands' commands "$@"
}
(( $+functions[_pbsh__subcmd__catalog__subcmd__help__subcmd__shell_commands] )) ||
_pbsh__subcmd__catalog__subcmd__help__subcmd__shell_commands() {
    local commands; commands=()
    _describe -t commands 'pbsh catalog help shell commands' commands "$@"
}
(( $+functions[_pbsh__subcmd__catalog__subcmd__shell_commands] )) ||
_pbsh__subcmd__catalog__subcmd__shell_commands() {
    local commands; commands=()
    _describe -t commands 'pbsh catalog shell commands' commands "$@"
}
(( $+functions[_pbsh__subcmd__cd_commands] )) ||
_pbsh__subcmd__cd_commands() {
    local commands; commands=()
    _describe -t commands 'pbsh cd commands' commands "$@"
}
(( $+functions[_pbsh__subcmd__change-owner_commands] )) ||
_pbsh__subcmd__change-owner_commands() {
    local commands; commands=()
    _describe -t commands 'pbsh change-owner commands' commands "$@"
}
(( $+functions[_pbsh__subcmd__clear-selected_commands] )) ||
_pbsh__subcmd__clear-selected_commands() {
    local commands; commands=()
    _describe -t commands 'pbsh clear-selected commands' commands "$@"
}
(( $+functions[_pbsh__subcmd__close_commands] )) ||
_pbsh__subcmd__close_commands() {
    local commands; commands=()
    _describe -t commands 'pbsh close commands' commands "$@"
}
(( $+functions[_pbsh__subcmd__completion_commands] )) ||
_pbsh__subcmd__completion_commands() {
    local commands; commands=()
    _describe -t commands 'pbsh completion commands' commands "$@"
}
(( $+functions[_pbsh__subcmd__datastore_commands] )) ||
_pbsh__subcmd__datastore_commands() {
    local commands; commands=(
'create:Create a datastore in PBS'\''s layout at PATH (a directory, or s3\://BUCKET\[/PREFIX\])' \
'help:Print this message or the help of the given subcommand(s)' \
    )
    _describe -t commands 'pbsh datastore commands' commands "$@"
}
(( $+functions[_pbsh__subcmd__datastore__subcmd__create_commands] )) ||
_pbsh__subcmd__datastore__subcmd__create_commands() {
    local commands; commands=()
    _describe -t commands 'pbsh datastore create commands' commands "$@"
}
(( $+functions[_pbsh__subcmd__datastore__subcmd__help_commands] )) ||
_pbsh__subcmd__datastore__subcmd__help_commands() {
    local commands; commands=(
'create:Create a datastore in PBS'\''s layout at PATH (a directory, or s3\://BUCKET\[/PREFIX\])' \
'help:Print this message or the help of the given subcommand(s)' \
    )
    _describe -t commands 'pbsh datastore help commands' commands "$@"
}
(( $+functions[_pbsh__subcmd__datastore__subcmd__help__subcmd__create_commands] )) ||
_pbsh__subcmd__datastore__subcmd__help__subcmd__create_commands() {
    local commands; commands=()
    _describe -t commands 'pbsh datastore help create commands' commands "$@"
}
(( $+functions[_pbsh__subcmd__datastore__subcmd__help__subcmd__help_commands] )) ||
_pbsh__subcmd__datastore__subcmd__help__subcmd__help_commands() {
    local commands; commands=()
    _describe -t commands 'pbsh datastore help help commands' commands "$@"
}
(( $+functions[_pbsh__subcmd__deselect_commands] )) ||
_pbsh__subcmd__deselect_commands() {
    local commands; commands=()
    _describe -t commands 'pbsh deselect commands' commands "$@"
}
(( $+functions[_pbsh__subcmd__diff_commands] )) ||
_pbsh__subcmd__diff_commands() {
    local commands; commands=()
    _describe -t commands 'pbsh diff commands' commands "$@"
}
(( $+functions[_pbsh__subcmd__exit_commands] )) ||
_pbsh__subcmd__exit_commands() {
    local commands; commands=()
    _describe -t commands 'pbsh exit commands' commands "$@"
}
(( $+functions[_pbsh__subcmd__find_commands] )) ||
_pbsh__subcmd__find_commands() {
    local commands; commands=()
    _describe -t commands 'pbsh find commands' commands "$@"
}
(( $+functions[_pbsh__subcmd__forget_commands] )) ||
_pbsh__subcmd__forget_commands() {
    local commands; commands=()
    _describe -t commands 'pbsh forget commands' commands "$@"
}
(( $+functions[_pbsh__subcmd__garbage-collect_commands] )) ||
_pbsh__subcmd__garbage-collect_commands() {
    local commands; commands=()
    _describe -t commands 'pbsh garbage-collect commands' commands "$@"
}
(( $+functions[_pbsh__subcmd__get_commands] )) ||
_pbsh__subcmd__get_commands() {
    local commands; commands=()
    _describe -t commands 'pbsh get commands' commands "$@"
}
(( $+functions[_pbsh__subcmd__help_commands] )) ||
_pbsh__subcmd__help_commands() {
    local commands; commands=(
'key:Manage encryption keys (passphrase keys, RSA master keys, paperkeys)' \
'backup:Back up directories (NAME.pxar\:DIR), images (NAME.img\:FILE) and files into a new snapshot' \
'restore:Restore an archive of a snapshot to a directory, a file, or \`-\` for standard output' \
'list:List backup groups' \
'snapshot:Snapshot management\: list, files, forget, protected, notes' \
'forget:Remove a snapshot (TYPE/ID/TIME) or a whole group (TYPE/ID)' \
'protect:Protect a snapshot from forget and prune' \
'change-owner:Give a group to another owner (a user or API token)\: \`change-owner TYPE/ID NEW_OWNER\`' \
'version:pbsh'\''s version and, for a remote repository, the server'\''s' \
'unprotect:Remove a snapshot'\''s protection' \
'ns:Namespaces\: list, create, delete' \
'prune:Remove the snapshots of a group that the --keep-… rules do not keep' \
'garbage-collect:Remove chunks no snapshot references (older than the 24 h grace period)' \
'verify:Check snapshots\: manifests, indexes and every chunk' \
'status:Datastore usage and deduplication factor' \
'datastore:Create a local datastore directory (\`--full\` makes all 65,536 chunk directories, as PBS does)' \
'catalog:The catalog of a snapshot\: \`catalog dump SNAPSHOT\`' \
'bench:Measure this machine'\''s hashing, compression, encryption, chunking and pipeline speed' \
'mount:Mount an archive read-only\: \`mount SNAPSHOT ARCHIVE MOUNTPOINT\`; alone\: list mounts' \
'umount:Unmount a mount of this session' \
'map:Map an image as a file\: \`map SNAPSHOT IMAGE.img \[MOUNTDIR\]\`; alone\: list maps' \
'unmap:Unmap an image mapped by this session (by its mount directory)' \
'pwd:Print the current location in the tree' \
'cd:Change directory in the tree (\`..\`, \`~\`, \`-\`, globs; see \`help paths\`)' \
'ls:List a directory of the tree\: datastores, namespaces, groups, snapshots, archives, files' \
'tree:Show a subtree' \
'stat:Show everything known about a node' \
'find:Find files inside archives by name or path glob; at a group, across every snapshot' \
'diff:Added, removed and changed files between two snapshots (from their catalogs)' \
'cat:Print files from archives (or image, blob and catalog archives) to standard output' \
'get:Copy files or directories out of archives to a local path, with their metadata' \
'notes:Show a snapshot'\''s notes, or set them with --set' \
'select:Add paths inside archives to the selection' \
'deselect:Remove paths from the selection' \
'clear-selected:Empty the selection' \
'list-selected:List the selection\: the paths selected and what selected patterns match' \
'restore-selected:Restore everything selected into a local directory' \
'history:Without PATH\: the command history. With PATH\: every version of a file across its group' \
'open:Open another repository in this session\: HOST\:STORE (a bare STORE is on localhost), a local datastore path (/…, ./…, ../…, ~/…, file\:PATH) or a lone .pxar file (read-only)' \
'close:Close the repository and go back to the default local datastore' \
'set:Session settings\: \`set -e off\` (keep going after errors), \`set keyfile PATH\`, \`set color off\`' \
'login:Log in to a remote repository (local datastores need none)' \
'logout:Forget the remote ticket' \
'task:Server tasks\: \`task list\`, \`task log UPID \[--follow\]\`, \`task stop UPID\`' \
'lcd:Change the local working directory' \
'lpwd:Print the local working directory' \
'lls:List local files (runs ls)' \
'completion:Print the completion script of the one-shot command line for bash, zsh or fish' \
'exit:Leave the shell' \
'help:Print this message or the help of the given subcommand(s)' \
    )
    _describe -t commands 'pbsh help commands' commands "$@"
}
(( $+functions[_pbsh__subcmd__help__subcmd__backup_commands] )) ||
_pbsh__subcmd__help__subcmd__backup_commands() {
    local commands; commands=()
    _describe -t commands 'pbsh help backup commands' commands "$@"
}
(( $+functions[_pbsh__subcmd__help__subcmd__bench_commands] )) ||
_pbsh__subcmd__help__subcmd__bench_commands() {
    local commands; commands=()
    _describe -t commands 'pbsh help bench commands' commands "$@"
}
(( $+functions[_pbsh__subcmd__help__subcmd__cat_commands] )) ||
_pbsh__subcmd__help__subcmd__cat_commands() {
    local commands; commands=()
    _describe -t commands 'pbsh help cat commands' commands "$@"
}
(( $+functions[_pbsh__subcmd__help__subcmd__catalog_commands] )) ||
_pbsh__subcmd__help__subcmd__catalog_commands() {
    local commands; commands=(
'dump:Print every entry of a snapshot'\''s catalog' \
'shell:Browse an archive\: SNAPSHOT ARCHIVE (like PBS'\''s catalog shell, in this session'\''s tree), or a local catalog file with --file' \
    )
    _describe -t commands 'pbsh help catalog commands' commands "$@"
}
(( $+functions[_pbsh__subcmd__help__subcmd__catalog__subcmd__dump_commands] )) ||
_pbsh__subcmd__help__subcmd__catalog__subcmd__dump_commands() {
    local commands; commands=()
    _describe -t commands 'pbsh help catalog dump commands' commands "$@"
}
(( $+functions[_pbsh__subcmd__help__subcmd__catalog__subcmd__shell_commands] )) ||
_pbsh__subcmd__help__subcmd__catalog__subcmd__shell_commands() {
    local commands; commands=()
    _describe -t commands 'pbsh help catalog shell commands' commands "$@"
}
(( $+functions[_pbsh__subcmd__help__subcmd__cd_commands] )) ||
_pbsh__subcmd__help__subcmd__cd_commands() {
    local commands; commands=()
    _describe -t commands 'pbsh help cd commands' commands "$@"
}
(( $+functions[_pbsh__subcmd__help__subcmd__change-owner_commands] )) ||
_pbsh__subcmd__help__subcmd__change-owner_commands() {
    local commands; commands=()
    _describe -t commands 'pbsh help change-owner commands' commands "$@"
}
(( $+functions[_pbsh__subcmd__help__subcmd__clear-selected_commands] )) ||
_pbsh__subcmd__help__subcmd__clear-selected_commands() {
    local commands; commands=()
    _describe -t commands 'pbsh help clear-selected commands' commands "$@"
}
(( $+functions[_pbsh__subcmd__help__subcmd__close_commands] )) ||
_pbsh__subcmd__help__subcmd__close_commands() {
    local commands; commands=()
    _describe -t commands 'pbsh help close commands' commands "$@"
}
(( $+functions[_pbsh__subcmd__help__subcmd__completion_commands] )) ||
_pbsh__subcmd__help__subcmd__completion_commands() {
    local commands; commands=()
    _describe -t commands 'pbsh help completion commands' commands "$@"
}
(( $+functions[_pbsh__subcmd__help__subcmd__datastore_commands] )) ||
_pbsh__subcmd__help__subcmd__datastore_commands() {
    local commands; commands=(
'create:Create a datastore in PBS'\''s layout at PATH (a directory, or s3\://BUCKET\[/PREFIX\])' \
    )
    _describe -t commands 'pbsh help datastore commands' commands "$@"
}
(( $+functions[_pbsh__subcmd__help__subcmd__datastore__subcmd__create_commands] )) ||
_pbsh__subcmd__help__subcmd__datastore__subcmd__create_commands() {
    local commands; commands=()
    _describe -t commands 'pbsh help datastore create commands' commands "$@"
}
(( $+functions[_pbsh__subcmd__help__subcmd__deselect_commands] )) ||
_pbsh__subcmd__help__subcmd__deselect_commands() {
    local commands; commands=()
    _describe -t commands 'pbsh help deselect commands' commands "$@"
}
(( $+functions[_pbsh__subcmd__help__subcmd__diff_commands] )) ||
_pbsh__subcmd__help__subcmd__diff_commands() {
    local commands; commands=()
    _describe -t commands 'pbsh help diff commands' commands "$@"
}
(( $+functions[_pbsh__subcmd__help__subcmd__exit_commands] )) ||
_pbsh__subcmd__help__subcmd__exit_commands() {
    local commands; commands=()
    _describe -t commands 'pbsh help exit commands' commands "$@"
}
(( $+functions[_pbsh__subcmd__help__subcmd__find_commands] )) ||
_pbsh__subcmd__help__subcmd__find_commands() {
    local commands; commands=()
    _describe -t commands 'pbsh help find commands' commands "$@"
}
(( $+functions[_pbsh__subcmd__help__subcmd__forget_commands] )) ||
_pbsh__subcmd__help__subcmd__forget_commands() {
    local commands; commands=()
    _describe -t commands 'pbsh help forget commands' commands "$@"
}
(( $+functions[_pbsh__subcmd__help__subcmd__garbage-collect_commands] )) ||
_pbsh__subcmd__help__subcmd__garbage-collect_commands() {
    local commands; commands=()
    _describe -t commands 'pbsh help garbage-collect commands' commands "$@"
}
(( $+functions[_pbsh__subcmd__help__subcmd__get_commands] )) ||
_pbsh__subcmd__help__subcmd__get_commands() {
    local commands; commands=()
    _describe -t commands 'pbsh help get commands' commands "$@"
}
(( $+functions[_pbsh__subcmd__help__subcmd__help_commands] )) ||
_pbsh__subcmd__help__subcmd__help_commands() {
    local commands; commands=()
    _describe -t commands 'pbsh help help commands' commands "$@"
}
(( $+functions[_pbsh__subcmd__help__subcmd__history_commands] )) ||
_pbsh__subcmd__help__subcmd__history_commands() {
    local commands; commands=()
    _describe -t commands 'pbsh help history commands' commands "$@"
}
(( $+functions[_pbsh__subcmd__help__subcmd__key_commands] )) ||
_pbsh__subcmd__help__subcmd__key_commands() {
    local commands; commands=(
'create:Create a new encryption key (default\: ~/.config/proxmox-backup/encryption-key.json)' \
'create-master-key:Create an RSA master key pair (master-public.pem, master-private.pem) in the current directory' \
'import-with-master-key:Import an encryption key recovered with the RSA master private key\: \`\[PATH\] --encrypted-keyfile FILE --master-keyfile PEM\` (as PBS), or \`MASTER_KEYFILE ENCRYPTED_KEYFILE \[PATH\]\`' \
'change-passphrase:Change the passphrase (and KDF) of a key file' \
'show:Show a key file'\''s metadata (no passphrase needed)' \
'paperkey:Print a key file or master private key for paper backup' \
'show-master-pubkey:Show the RSA master public key'\''s modulus, exponent and length' \
'import-master-pubkey:Install a master public key as the default one' \
    )
    _describe -t commands 'pbsh help key commands' commands "$@"
}
(( $+functions[_pbsh__subcmd__help__subcmd__key__subcmd__change-passphrase_commands] )) ||
_pbsh__subcmd__help__subcmd__key__subcmd__change-passphrase_commands() {
    local commands; commands=()
    _describe -t commands 'pbsh help key change-passphrase commands' commands "$@"
}
(( $+functions[_pbsh__subcmd__help__subcmd__key__subcmd__create_commands] )) ||
_pbsh__subcmd__help__subcmd__key__subcmd__create_commands() {
    local commands; commands=()
    _describe -t commands 'pbsh help key create commands' commands "$@"
}
(( $+functions[_pbsh__subcmd__help__subcmd__key__subcmd__create-master-key_commands] )) ||
_pbsh__subcmd__help__subcmd__key__subcmd__create-master-key_commands() {
    local commands; commands=()
    _describe -t commands 'pbsh help key create-master-key commands' commands "$@"
}
(( $+functions[_pbsh__subcmd__help__subcmd__key__subcmd__import-master-pubkey_commands] )) ||
_pbsh__subcmd__help__subcmd__key__subcmd__import-master-pubkey_commands() {
    local commands; commands=()
    _describe -t commands 'pbsh help key import-master-pubkey commands' commands "$@"
}
(( $+functions[_pbsh__subcmd__help__subcmd__key__subcmd__import-with-master-key_commands] )) ||
_pbsh__subcmd__help__subcmd__key__subcmd__import-with-master-key_commands() {
    local commands; commands=()
    _describe -t commands 'pbsh help key import-with-master-key commands' commands "$@"
}
(( $+functions[_pbsh__subcmd__help__subcmd__key__subcmd__paperkey_commands] )) ||
_pbsh__subcmd__help__subcmd__key__subcmd__paperkey_commands() {
    local commands; commands=()
    _describe -t commands 'pbsh help key paperkey commands' commands "$@"
}
(( $+functions[_pbsh__subcmd__help__subcmd__key__subcmd__show_commands] )) ||
_pbsh__subcmd__help__subcmd__key__subcmd__show_commands() {
    local commands; commands=()
    _describe -t commands 'pbsh help key show commands' commands "$@"
}
(( $+functions[_pbsh__subcmd__help__subcmd__key__subcmd__show-master-pubkey_commands] )) ||
_pbsh__subcmd__help__subcmd__key__subcmd__show-master-pubkey_commands() {
    local commands; commands=()
    _describe -t commands 'pbsh help key show-master-pubkey commands' commands "$@"
}
(( $+functions[_pbsh__subcmd__help__subcmd__lcd_commands] )) ||
_pbsh__subcmd__help__subcmd__lcd_commands() {
    local commands; commands=()
    _describe -t commands 'pbsh help lcd commands' commands "$@"
}
(( $+functions[_pbsh__subcmd__help__subcmd__list_commands] )) ||
_pbsh__subcmd__help__subcmd__list_commands() {
    local commands; commands=()
    _describe -t commands 'pbsh help list commands' commands "$@"
}
(( $+functions[_pbsh__subcmd__help__subcmd__list-selected_commands] )) ||
_pbsh__subcmd__help__subcmd__list-selected_commands() {
    local commands; commands=()
    _describe -t commands 'pbsh help list-selected commands' commands "$@"
}
(( $+functions[_pbsh__subcmd__help__subcmd__lls_commands] )) ||
_pbsh__subcmd__help__subcmd__lls_commands() {
    local commands; commands=()
    _describe -t commands 'pbsh help lls commands' commands "$@"
}
(( $+functions[_pbsh__subcmd__help__subcmd__login_commands] )) ||
_pbsh__subcmd__help__subcmd__login_commands() {
    local commands; commands=()
    _describe -t commands 'pbsh help login commands' commands "$@"
}
(( $+functions[_pbsh__subcmd__help__subcmd__logout_commands] )) ||
_pbsh__subcmd__help__subcmd__logout_commands() {
    local commands; commands=()
    _describe -t commands 'pbsh help logout commands' commands "$@"
}
(( $+functions[_pbsh__subcmd__help__subcmd__lpwd_commands] )) ||
_pbsh__subcmd__help__subcmd__lpwd_commands() {
    local commands; commands=()
    _describe -t commands 'pbsh help lpwd commands' commands "$@"
}
(( $+functions[_pbsh__subcmd__help__subcmd__ls_commands] )) ||
_pbsh__subcmd__help__subcmd__ls_commands() {
    local commands; commands=()
    _describe -t commands 'pbsh help ls commands' commands "$@"
}
(( $+functions[_pbsh__subcmd__help__subcmd__map_commands] )) ||
_pbsh__subcmd__help__subcmd__map_commands() {
    local commands; commands=()
    _describe -t commands 'pbsh help map commands' commands "$@"
}
(( $+functions[_pbsh__subcmd__help__subcmd__mount_commands] )) ||
_pbsh__subcmd__help__subcmd__mount_commands() {
    local commands; commands=()
    _describe -t commands 'pbsh help mount commands' commands "$@"
}
(( $+functions[_pbsh__subcmd__help__subcmd__notes_commands] )) ||
_pbsh__subcmd__help__subcmd__notes_commands() {
    local commands; commands=()
    _describe -t commands 'pbsh help notes commands' commands "$@"
}
(( $+functions[_pbsh__subcmd__help__subcmd__ns_commands] )) ||
_pbsh__subcmd__help__subcmd__ns_commands() {
    local commands; commands=(
'list:List a namespace (default\: the current one) and every namespace below it' \
'create:Create a namespace (its parent must exist)' \
'delete:Delete an empty namespace (or everything in it with --delete-groups)' \
    )
    _describe -t commands 'pbsh help ns commands' commands "$@"
}
(( $+functions[_pbsh__subcmd__help__subcmd__ns__subcmd__create_commands] )) ||
_pbsh__subcmd__help__subcmd__ns__subcmd__create_commands() {
    local commands; commands=()
    _describe -t commands 'pbsh help ns create commands' commands "$@"
}
(( $+functions[_pbsh__subcmd__help__subcmd__ns__subcmd__delete_commands] )) ||
_pbsh__subcmd__help__subcmd__ns__subcmd__delete_commands() {
    local commands; commands=()
    _describe -t commands 'pbsh help ns delete commands' commands "$@"
}
(( $+functions[_pbsh__subcmd__help__subcmd__ns__subcmd__list_commands] )) ||
_pbsh__subcmd__help__subcmd__ns__subcmd__list_commands() {
    local commands; commands=()
    _describe -t commands 'pbsh help ns list commands' commands "$@"
}
(( $+functions[_pbsh__subcmd__help__subcmd__open_commands] )) ||
_pbsh__subcmd__help__subcmd__open_commands() {
    local commands; commands=()
    _describe -t commands 'pbsh help open commands' commands "$@"
}
(( $+functions[_pbsh__subcmd__help__subcmd__protect_commands] )) ||
_pbsh__subcmd__help__subcmd__protect_commands() {
    local commands; commands=()
    _describe -t commands 'pbsh help protect commands' commands "$@"
}
(( $+functions[_pbsh__subcmd__help__subcmd__prune_commands] )) ||
_pbsh__subcmd__help__subcmd__prune_commands() {
    local commands; commands=()
    _describe -t commands 'pbsh help prune commands' commands "$@"
}
(( $+functions[_pbsh__subcmd__help__subcmd__pwd_commands] )) ||
_pbsh__subcmd__help__subcmd__pwd_commands() {
    local commands; commands=()
    _describe -t commands 'pbsh help pwd commands' commands "$@"
}
(( $+functions[_pbsh__subcmd__help__subcmd__restore_commands] )) ||
_pbsh__subcmd__help__subcmd__restore_commands() {
    local commands; commands=()
    _describe -t commands 'pbsh help restore commands' commands "$@"
}
(( $+functions[_pbsh__subcmd__help__subcmd__restore-selected_commands] )) ||
_pbsh__subcmd__help__subcmd__restore-selected_commands() {
    local commands; commands=()
    _describe -t commands 'pbsh help restore-selected commands' commands "$@"
}
(( $+functions[_pbsh__subcmd__help__subcmd__select_commands] )) ||
_pbsh__subcmd__help__subcmd__select_commands() {
    local commands; commands=()
    _describe -t commands 'pbsh help select commands' commands "$@"
}
(( $+functions[_pbsh__subcmd__help__subcmd__set_commands] )) ||
_pbsh__subcmd__help__subcmd__set_commands() {
    local commands; commands=()
    _describe -t commands 'pbsh help set commands' commands "$@"
}
(( $+functions[_pbsh__subcmd__help__subcmd__snapshot_commands] )) ||
_pbsh__subcmd__help__subcmd__snapshot_commands() {
    local commands; commands=(
'list:List snapshots (of one group, or all)' \
'files:List a snapshot'\''s files' \
'forget:Remove a snapshot' \
'protected:Show or change a snapshot'\''s protection' \
'notes:Show or change a snapshot'\''s notes' \
'upload-log:Attach a client log file to a finished snapshot (\`client.log.blob\`, once per snapshot)' \
    )
    _describe -t commands 'pbsh help snapshot commands' commands "$@"
}
(( $+functions[_pbsh__subcmd__help__subcmd__snapshot__subcmd__files_commands] )) ||
_pbsh__subcmd__help__subcmd__snapshot__subcmd__files_commands() {
    local commands; commands=()
    _describe -t commands 'pbsh help snapshot files commands' commands "$@"
}
(( $+functions[_pbsh__subcmd__help__subcmd__snapshot__subcmd__forget_commands] )) ||
_pbsh__subcmd__help__subcmd__snapshot__subcmd__forget_commands() {
    local commands; commands=()
    _describe -t commands 'pbsh help snapshot forget commands' commands "$@"
}
(( $+functions[_pbsh__subcmd__help__subcmd__snapshot__subcmd__list_commands] )) ||
_pbsh__subcmd__help__subcmd__snapshot__subcmd__list_commands() {
    local commands; commands=()
    _describe -t commands 'pbsh help snapshot list commands' commands "$@"
}
(( $+functions[_pbsh__subcmd__help__subcmd__snapshot__subcmd__notes_commands] )) ||
_pbsh__subcmd__help__subcmd__snapshot__subcmd__notes_commands() {
    local commands; commands=(
'show:' \
'update:' \
    )
    _describe -t commands 'pbsh help snapshot notes commands' commands "$@"
}
(( $+functions[_pbsh__subcmd__help__subcmd__snapshot__subcmd__notes__subcmd__show_commands] )) ||
_pbsh__subcmd__help__subcmd__snapshot__subcmd__notes__subcmd__show_commands() {
    local commands; commands=()
    _describe -t commands 'pbsh help snapshot notes show commands' commands "$@"
}
(( $+functions[_pbsh__subcmd__help__subcmd__snapshot__subcmd__notes__subcmd__update_commands] )) ||
_pbsh__subcmd__help__subcmd__snapshot__subcmd__notes__subcmd__update_commands() {
    local commands; commands=()
    _describe -t commands 'pbsh help snapshot notes update commands' commands "$@"
}
(( $+functions[_pbsh__subcmd__help__subcmd__snapshot__subcmd__protected_commands] )) ||
_pbsh__subcmd__help__subcmd__snapshot__subcmd__protected_commands() {
    local commands; commands=(
'show:' \
'update:' \
    )
    _describe -t commands 'pbsh help snapshot protected commands' commands "$@"
}
(( $+functions[_pbsh__subcmd__help__subcmd__snapshot__subcmd__protected__subcmd__show_commands] )) ||
_pbsh__subcmd__help__subcmd__snapshot__subcmd__protected__subcmd__show_commands() {
    local commands; commands=()
    _describe -t commands 'pbsh help snapshot protected show commands' commands "$@"
}
(( $+functions[_pbsh__subcmd__help__subcmd__snapshot__subcmd__protected__subcmd__update_commands] )) ||
_pbsh__subcmd__help__subcmd__snapshot__subcmd__protected__subcmd__update_commands() {
    local commands; commands=()
    _describe -t commands 'pbsh help snapshot protected update commands' commands "$@"
}
(( $+functions[_pbsh__subcmd__help__subcmd__snapshot__subcmd__upload-log_commands] )) ||
_pbsh__subcmd__help__subcmd__snapshot__subcmd__upload-log_commands() {
    local commands; commands=()
    _describe -t commands 'pbsh help snapshot upload-log commands' commands "$@"
}
(( $+functions[_pbsh__subcmd__help__subcmd__stat_commands] )) ||
_pbsh__subcmd__help__subcmd__stat_commands() {
    local commands; commands=()
    _describe -t commands 'pbsh help stat commands' commands "$@"
}
(( $+functions[_pbsh__subcmd__help__subcmd__status_commands] )) ||
_pbsh__subcmd__help__subcmd__status_commands() {
    local commands; commands=()
    _describe -t commands 'pbsh help status commands' commands "$@"
}
(( $+functions[_pbsh__subcmd__help__subcmd__task_commands] )) ||
_pbsh__subcmd__help__subcmd__task_commands() {
    local commands; commands=(
'list:List recent tasks of the server' \
'log:Print a task'\''s log' \
'stop:Ask the server to abort a running task' \
    )
    _describe -t commands 'pbsh help task commands' commands "$@"
}
(( $+functions[_pbsh__subcmd__help__subcmd__task__subcmd__list_commands] )) ||
_pbsh__subcmd__help__subcmd__task__subcmd__list_commands() {
    local commands; commands=()
    _describe -t commands 'pbsh help task list commands' commands "$@"
}
(( $+functions[_pbsh__subcmd__help__subcmd__task__subcmd__log_commands] )) ||
_pbsh__subcmd__help__subcmd__task__subcmd__log_commands() {
    local commands; commands=()
    _describe -t commands 'pbsh help task log commands' commands "$@"
}
(( $+functions[_pbsh__subcmd__help__subcmd__task__subcmd__stop_commands] )) ||
_pbsh__subcmd__help__subcmd__task__subcmd__stop_commands() {
    local commands; commands=()
    _describe -t commands 'pbsh help task stop commands' commands "$@"
}
(( $+functions[_pbsh__subcmd__help__subcmd__tree_commands] )) ||
_pbsh__subcmd__help__subcmd__tree_commands() {
    local commands; commands=()
    _describe -t commands 'pbsh help tree commands' commands "$@"
}
(( $+functions[_pbsh__subcmd__help__subcmd__umount_commands] )) ||
_pbsh__subcmd__help__subcmd__umount_commands() {
    local commands; commands=()
    _describe -t commands 'pbsh help umount commands' commands "$@"
}
(( $+functions[_pbsh__subcmd__help__subcmd__unmap_commands] )) ||
_pbsh__subcmd__help__subcmd__unmap_commands() {
    local commands; commands=()
    _describe -t commands 'pbsh help unmap commands' commands "$@"
}
(( $+functions[_pbsh__subcmd__help__subcmd__unprotect_commands] )) ||
_pbsh__subcmd__help__subcmd__unprotect_commands() {
    local commands; commands=()
    _describe -t commands 'pbsh help unprotect commands' commands "$@"
}
(( $+functions[_pbsh__subcmd__help__subcmd__verify_commands] )) ||
_pbsh__subcmd__help__subcmd__verify_commands() {
    local commands; commands=()
    _describe -t commands 'pbsh help verify commands' commands "$@"
}
(( $+functions[_pbsh__subcmd__help__subcmd__version_commands] )) ||
_pbsh__subcmd__help__subcmd__version_commands() {
    local commands; commands=()
    _describe -t commands 'pbsh help version commands' commands "$@"
}
(( $+functions[_pbsh__subcmd__history_commands] )) ||
_pbsh__subcmd__history_commands() {
    local commands; commands=()
    _describe -t commands 'pbsh history commands' commands "$@"
}
(( $+functions[_pbsh__subcmd__key_commands] )) ||
_pbsh__subcmd__key_commands() {
    local commands; commands=(
'create:Create a new encryption key (default\: ~/.config/proxmox-backup/encryption-key.json)' \
'create-master-key:Create an RSA master key pair (master-public.pem, master-private.pem) in the current directory' \
'import-with-master-key:Import an encryption key recovered with the RSA master private key\: \`\[PATH\] --encrypted-keyfile FILE --master-keyfile PEM\` (as PBS), or \`MASTER_KEYFILE ENCRYPTED_KEYFILE \[PATH\]\`' \
'change-passphrase:Change the passphrase (and KDF) of a key file' \
'show:Show a key file'\''s metadata (no passphrase needed)' \
'paperkey:Print a key file or master private key for paper backup' \
'show-master-pubkey:Show the RSA master public key'\''s modulus, exponent and length' \
'import-master-pubkey:Install a master public key as the default one' \
'help:Print this message or the help of the given subcommand(s)' \
    )
    _describe -t commands 'pbsh key commands' commands "$@"
}
(( $+functions[_pbsh__subcmd__key__subcmd__change-passphrase_commands] )) ||
_pbsh__subcmd__key__subcmd__change-passphrase_commands() {
    local commands; commands=()
    _describe -t commands 'pbsh key change-passphrase commands' commands "$@"
}
(( $+functions[_pbsh__subcmd__key__subcmd__create_commands] )) ||
_pbsh__subcmd__key__subcmd__create_commands() {
    local commands; commands=()
    _describe -t commands 'pbsh key create commands' commands "$@"
}
(( $+functions[_pbsh__subcmd__key__subcmd__create-master-key_commands] )) ||
_pbsh__subcmd__key__subcmd__create-master-key_commands() {
    local commands; commands=()
    _describe -t commands 'pbsh key create-master-key commands' commands "$@"
}
(( $+functions[_pbsh__subcmd__key__subcmd__help_commands] )) ||
_pbsh__subcmd__key__subcmd__help_commands() {
    local commands; commands=(
'create:Create a new encryption key (default\: ~/.config/proxmox-backup/encryption-key.json)' \
'create-master-key:Create an RSA master key pair (master-public.pem, master-private.pem) in the current directory' \
'import-with-master-key:Import an encryption key recovered with the RSA master private key\: \`\[PATH\] --encrypted-keyfile FILE --master-keyfile PEM\` (as PBS), or \`MASTER_KEYFILE ENCRYPTED_KEYFILE \[PATH\]\`' \
'change-passphrase:Change the passphrase (and KDF) of a key file' \
'show:Show a key file'\''s metadata (no passphrase needed)' \
'paperkey:Print a key file or master private key for paper backup' \
'show-master-pubkey:Show the RSA master public key'\''s modulus, exponent and length' \
'import-master-pubkey:Install a master public key as the default one' \
'help:Print this message or the help of the given subcommand(s)' \
    )
    _describe -t commands 'pbsh key help commands' commands "$@"
}
(( $+functions[_pbsh__subcmd__key__subcmd__help__subcmd__change-passphrase_commands] )) ||
_pbsh__subcmd__key__subcmd__help__subcmd__change-passphrase_commands() {
    local commands; commands=()
    _describe -t commands 'pbsh key help change-passphrase commands' commands "$@"
}
(( $+functions[_pbsh__subcmd__key__subcmd__help__subcmd__create_commands] )) ||
_pbsh__subcmd__key__subcmd__help__subcmd__create_commands() {
    local commands; commands=()
    _describe -t commands 'pbsh key help create commands' commands "$@"
}
(( $+functions[_pbsh__subcmd__key__subcmd__help__subcmd__create-master-key_commands] )) ||
_pbsh__subcmd__key__subcmd__help__subcmd__create-master-key_commands() {
    local commands; commands=()
    _describe -t commands 'pbsh key help create-master-key commands' commands "$@"
}
(( $+functions[_pbsh__subcmd__key__subcmd__help__subcmd__help_commands] )) ||
_pbsh__subcmd__key__subcmd__help__subcmd__help_commands() {
    local commands; commands=()
    _describe -t commands 'pbsh key help help commands' commands "$@"
}
(( $+functions[_pbsh__subcmd__key__subcmd__help__subcmd__import-master-pubkey_commands] )) ||
_pbsh__subcmd__key__subcmd__help__subcmd__import-master-pubkey_commands() {
    local commands; commands=()
    _describe -t commands 'pbsh key help import-master-pubkey commands' commands "$@"
}
(( $+functions[_pbsh__subcmd__key__subcmd__help__subcmd__import-with-master-key_commands] )) ||
_pbsh__subcmd__key__subcmd__help__subcmd__import-with-master-key_commands() {
    local commands; commands=()
    _describe -t commands 'pbsh key help import-with-master-key commands' commands "$@"
}
(( $+functions[_pbsh__subcmd__key__subcmd__help__subcmd__paperkey_commands] )) ||
_pbsh__subcmd__key__subcmd__help__subcmd__paperkey_commands() {
    local commands; commands=()
    _describe -t commands 'pbsh key help paperkey commands' commands "$@"
}
(( $+functions[_pbsh__subcmd__key__subcmd__help__subcmd__show_commands] )) ||
_pbsh__subcmd__key__subcmd__help__subcmd__show_commands() {
    local commands; commands=()
    _describe -t commands 'pbsh key help show commands' commands "$@"
}
(( $+functions[_pbsh__subcmd__key__subcmd__help__subcmd__show-master-pubkey_commands] )) ||
_pbsh__subcmd__key__subcmd__help__subcmd__show-master-pubkey_commands() {
    local commands; commands=()
    _describe -t commands 'pbsh key help show-master-pubkey commands' commands "$@"
}
(( $+functions[_pbsh__subcmd__key__subcmd__import-master-pubkey_commands] )) ||
_pbsh__subcmd__key__subcmd__import-master-pubkey_commands() {
    local commands; commands=()
    _describe -t commands 'pbsh key import-master-pubkey commands' commands "$@"
}
(( $+functions[_pbsh__subcmd__key__subcmd__import-with-master-key_commands] )) ||
_pbsh__subcmd__key__subcmd__import-with-master-key_commands() {
    local commands; commands=()
    _describe -t commands 'pbsh key import-with-master-key commands' commands "$@"
}
(( $+functions[_pbsh__subcmd__key__subcmd__paperkey_commands] )) ||
_pbsh__subcmd__key__subcmd__paperkey_commands() {
    local commands; commands=()
    _describe -t commands 'pbsh key paperkey commands' commands "$@"
}
(( $+functions[_pbsh__subcmd__key__subcmd__show_commands] )) ||
_pbsh__subcmd__key__subcmd__show_commands() {
    local commands; commands=()
    _describe -t commands 'pbsh key show commands' commands "$@"
}
(( $+functions[_pbsh__subcmd__key__subcmd__show-master-pubkey_commands] )) ||
_pbsh__subcmd__key__subcmd__show-master-pubkey_commands() {
    local commands; commands=()
    _describe -t commands 'pbsh key show-master-pubkey commands' commands "$@"
}
(( $+functions[_pbsh__subcmd__lcd_commands] )) ||
_pbsh__subcmd__lcd_commands() {
    local commands; commands=()
    _describe -t commands 'pbsh lcd commands' commands "$@"
}
(( $+functions[_pbsh__subcmd__list_commands] )) ||
_pbsh__subcmd__list_commands() {
    local commands; commands=()
    _describe -t commands 'pbsh list commands' commands "$@"
}
(( $+functions[_pbsh__subcmd__list-selected_commands] )) ||
_pbsh__subcmd__list-selected_commands() {
    local commands; commands=()
    _describe -t commands 'pbsh list-selected commands' commands "$@"
}
(( $+functions[_pbsh__subcmd__lls_commands] )) ||
_pbsh__subcmd__lls_commands() {
    local commands; commands=()
    _describe -t commands 'pbsh lls commands' commands "$@"
}
(( $+functions[_pbsh__subcmd__login_commands] )) ||
_pbsh__subcmd__login_commands() {
    local commands; commands=()
    _describe -t commands 'pbsh login commands' commands "$@"
}
(( $+functions[_pbsh__subcmd__logout_commands] )) ||
_pbsh__subcmd__logout_commands() {
    local commands; commands=()
    _describe -t commands 'pbsh logout commands' commands "$@"
}
(( $+functions[_pbsh__subcmd__lpwd_commands] )) ||
_pbsh__subcmd__lpwd_commands() {
    local commands; commands=()
    _describe -t commands 'pbsh lpwd commands' commands "$@"
}
(( $+functions[_pbsh__subcmd__ls_commands] )) ||
_pbsh__subcmd__ls_commands() {
    local commands; commands=()
    _describe -t commands 'pbsh ls commands' commands "$@"
}
(( $+functions[_pbsh__subcmd__map_commands] )) ||
_pbsh__subcmd__map_commands() {
    local commands; commands=()
    _describe -t commands 'pbsh map commands' commands "$@"
}
(( $+functions[_pbsh__subcmd__mount_commands] )) ||
_pbsh__subcmd__mount_commands() {
    local commands; commands=()
    _describe -t commands 'pbsh mount commands' commands "$@"
}
(( $+functions[_pbsh__subcmd__notes_commands] )) ||
_pbsh__subcmd__notes_commands() {
    local commands; commands=()
    _describe -t commands 'pbsh notes commands' commands "$@"
}
(( $+functions[_pbsh__subcmd__ns_commands] )) ||
_pbsh__subcmd__ns_commands() {
    local commands; commands=(
'list:List a namespace (default\: the current one) and every namespace below it' \
'create:Create a namespace (its parent must exist)' \
'delete:Delete an empty namespace (or everything in it with --delete-groups)' \
'help:Print this message or the help of the given subcommand(s)' \
    )
    _describe -t commands 'pbsh ns commands' commands "$@"
}
(( $+functions[_pbsh__subcmd__ns__subcmd__create_commands] )) ||
_pbsh__subcmd__ns__subcmd__create_commands() {
    local commands; commands=()
    _describe -t commands 'pbsh ns create commands' commands "$@"
}
(( $+functions[_pbsh__subcmd__ns__subcmd__delete_commands] )) ||
_pbsh__subcmd__ns__subcmd__delete_commands() {
    local commands; commands=()
    _describe -t commands 'pbsh ns delete commands' commands "$@"
}
(( $+functions[_pbsh__subcmd__ns__subcmd__help_commands] )) ||
_pbsh__subcmd__ns__subcmd__help_commands() {
    local commands; commands=(
'list:List a namespace (default\: the current one) and every namespace below it' \
'create:Create a namespace (its parent must exist)' \
'delete:Delete an empty namespace (or everything in it with --delete-groups)' \
'help:Print this message or the help of the given subcommand(s)' \
    )
    _describe -t commands 'pbsh ns help commands' commands "$@"
}
(( $+functions[_pbsh__subcmd__ns__subcmd__help__subcmd__create_commands] )) ||
_pbsh__subcmd__ns__subcmd__help__subcmd__create_commands() {
    local commands; commands=()
    _describe -t commands 'pbsh ns help create commands' commands "$@"
}
(( $+functions[_pbsh__subcmd__ns__subcmd__help__subcmd__delete_commands] )) ||
_pbsh__subcmd__ns__subcmd__help__subcmd__delete_commands() {
    local commands; commands=()
    _describe -t commands 'pbsh ns help delete commands' commands "$@"
}
(( $+functions[_pbsh__subcmd__ns__subcmd__help__subcmd__help_commands] )) ||
_pbsh__subcmd__ns__subcmd__help__subcmd__help_commands() {
    local commands; commands=()
    _describe -t commands 'pbsh ns help help commands' commands "$@"
}
(( $+functions[_pbsh__subcmd__ns__subcmd__help__subcmd__list_commands] )) ||
_pbsh__subcmd__ns__subcmd__help__subcmd__list_commands() {
    local commands; commands=()
    _describe -t commands 'pbsh ns help list commands' commands "$@"
}
(( $+functions[_pbsh__subcmd__ns__subcmd__list_commands] )) ||
_pbsh__subcmd__ns__subcmd__list_commands() {
    local commands; commands=()
    _describe -t commands 'pbsh ns list commands' commands "$@"
}
(( $+functions[_pbsh__subcmd__open_commands] )) ||
_pbsh__subcmd__open_commands() {
    local commands; commands=()
    _describe -t commands 'pbsh open commands' commands "$@"
}
(( $+functions[_pbsh__subcmd__protect_commands] )) ||
_pbsh__subcmd__protect_commands() {
    local commands; commands=()
    _describe -t commands 'pbsh protect commands' commands "$@"
}
(( $+functions[_pbsh__subcmd__prune_commands] )) ||
_pbsh__subcmd__prune_commands() {
    local commands; commands=()
    _describe -t commands 'pbsh prune commands' commands "$@"
}
(( $+functions[_pbsh__subcmd__pwd_commands] )) ||
_pbsh__subcmd__pwd_commands() {
    local commands; commands=()
    _describe -t commands 'pbsh pwd commands' commands "$@"
}
(( $+functions[_pbsh__subcmd__restore_commands] )) ||
_pbsh__subcmd__restore_commands() {
    local commands; commands=()
    _describe -t commands 'pbsh restore commands' commands "$@"
}
(( $+functions[_pbsh__subcmd__restore-selected_commands] )) ||
_pbsh__subcmd__restore-selected_commands() {
    local commands; commands=()
    _describe -t commands 'pbsh restore-selected commands' commands "$@"
}
(( $+functions[_pbsh__subcmd__select_commands] )) ||
_pbsh__subcmd__select_commands() {
    local commands; commands=()
    _describe -t commands 'pbsh select commands' commands "$@"
}
(( $+functions[_pbsh__subcmd__set_commands] )) ||
_pbsh__subcmd__set_commands() {
    local commands; commands=()
    _describe -t commands 'pbsh set commands' commands "$@"
}
(( $+functions[_pbsh__subcmd__snapshot_commands] )) ||
_pbsh__subcmd__snapshot_commands() {
    local commands; commands=(
'list:List snapshots (of one group, or all)' \
'files:List a snapshot'\''s files' \
'forget:Remove a snapshot' \
'protected:Show or change a snapshot'\''s protection' \
'notes:Show or change a snapshot'\''s notes' \
'upload-log:Attach a client log file to a finished snapshot (\`client.log.blob\`, once per snapshot)' \
'help:Print this message or the help of the given subcommand(s)' \
    )
    _describe -t commands 'pbsh snapshot commands' commands "$@"
}
(( $+functions[_pbsh__subcmd__snapshot__subcmd__files_commands] )) ||
_pbsh__subcmd__snapshot__subcmd__files_commands() {
    local commands; commands=()
    _describe -t commands 'pbsh snapshot files commands' commands "$@"
}
(( $+functions[_pbsh__subcmd__snapshot__subcmd__forget_commands] )) ||
_pbsh__subcmd__snapshot__subcmd__forget_commands() {
    local commands; commands=()
    _describe -t commands 'pbsh snapshot forget commands' commands "$@"
}
(( $+functions[_pbsh__subcmd__snapshot__subcmd__help_commands] )) ||
_pbsh__subcmd__snapshot__subcmd__help_commands() {
    local commands; commands=(
'list:List snapshots (of one group, or all)' \
'files:List a snapshot'\''s files' \
'forget:Remove a snapshot' \
'protected:Show or change a snapshot'\''s protection' \
'notes:Show or change a snapshot'\''s notes' \
'upload-log:Attach a client log file to a finished snapshot (\`client.log.blob\`, once per snapshot)' \
'help:Print this message or the help of the given subcommand(s)' \
    )
    _describe -t commands 'pbsh snapshot help commands' commands "$@"
}
(( $+functions[_pbsh__subcmd__snapshot__subcmd__help__subcmd__files_commands] )) ||
_pbsh__subcmd__snapshot__subcmd__help__subcmd__files_commands() {
    local commands; commands=()
    _describe -t commands 'pbsh snapshot help files commands' commands "$@"
}
(( $+functions[_pbsh__subcmd__snapshot__subcmd__help__subcmd__forget_commands] )) ||
_pbsh__subcmd__snapshot__subcmd__help__subcmd__forget_commands() {
    local commands; commands=()
    _describe -t commands 'pbsh snapshot help forget commands' commands "$@"
}
(( $+functions[_pbsh__subcmd__snapshot__subcmd__help__subcmd__help_commands] )) ||
_pbsh__subcmd__snapshot__subcmd__help__subcmd__help_commands() {
    local commands; commands=()
    _describe -t commands 'pbsh snapshot help help commands' commands "$@"
}
(( $+functions[_pbsh__subcmd__snapshot__subcmd__help__subcmd__list_commands] )) ||
_pbsh__subcmd__snapshot__subcmd__help__subcmd__list_commands() {
    local commands; commands=()
    _describe -t commands 'pbsh snapshot help list commands' commands "$@"
}
(( $+functions[_pbsh__subcmd__snapshot__subcmd__help__subcmd__notes_commands] )) ||
_pbsh__subcmd__snapshot__subcmd__help__subcmd__notes_commands() {
    local commands; commands=(
'show:' \
'update:' \
    )
    _describe -t commands 'pbsh snapshot help notes commands' commands "$@"
}
(( $+functions[_pbsh__subcmd__snapshot__subcmd__help__subcmd__notes__subcmd__show_commands] )) ||
_pbsh__subcmd__snapshot__subcmd__help__subcmd__notes__subcmd__show_commands() {
    local commands; commands=()
    _describe -t commands 'pbsh snapshot help notes show commands' commands "$@"
}
(( $+functions[_pbsh__subcmd__snapshot__subcmd__help__subcmd__notes__subcmd__update_commands] )) ||
_pbsh__subcmd__snapshot__subcmd__help__subcmd__notes__subcmd__update_commands() {
    local commands; commands=()
    _describe -t commands 'pbsh snapshot help notes update commands' commands "$@"
}
(( $+functions[_pbsh__subcmd__snapshot__subcmd__help__subcmd__protected_commands] )) ||
_pbsh__subcmd__snapshot__subcmd__help__subcmd__protected_commands() {
    local commands; commands=(
'show:' \
'update:' \
    )
    _describe -t commands 'pbsh snapshot help protected commands' commands "$@"
}
(( $+functions[_pbsh__subcmd__snapshot__subcmd__help__subcmd__protected__subcmd__show_commands] )) ||
_pbsh__subcmd__snapshot__subcmd__help__subcmd__protected__subcmd__show_commands() {
    local commands; commands=()
    _describe -t commands 'pbsh snapshot help protected show commands' commands "$@"
}
(( $+functions[_pbsh__subcmd__snapshot__subcmd__help__subcmd__protected__subcmd__update_commands] )) ||
_pbsh__subcmd__snapshot__subcmd__help__subcmd__protected__subcmd__update_commands() {
    local commands; commands=()
    _describe -t commands 'pbsh snapshot help protected update commands' commands "$@"
}
(( $+functions[_pbsh__subcmd__snapshot__subcmd__help__subcmd__upload-log_commands] )) ||
_pbsh__subcmd__snapshot__subcmd__help__subcmd__upload-log_commands() {
    local commands; commands=()
    _describe -t commands 'pbsh snapshot help upload-log commands' commands "$@"
}
(( $+functions[_pbsh__subcmd__snapshot__subcmd__list_commands] )) ||
_pbsh__subcmd__snapshot__subcmd__list_commands() {
    local commands; commands=()
    _describe -t commands 'pbsh snapshot list commands' commands "$@"
}
(( $+functions[_pbsh__subcmd__snapshot__subcmd__notes_commands] )) ||
_pbsh__subcmd__snapshot__subcmd__notes_commands() {
    local commands; commands=(
'show:' \
'update:' \
'help:Print this message or the help of the given subcommand(s)' \
    )
    _describe -t commands 'pbsh snapshot notes commands' commands "$@"
}
(( $+functions[_pbsh__subcmd__snapshot__subcmd__notes__subcmd__help_commands] )) ||
_pbsh__subcmd__snapshot__subcmd__notes__subcmd__help_commands() {
    local commands; commands=(
'show:' \
'update:' \
'help:Print this message or the help of the given subcommand(s)' \
    )
    _describe -t commands 'pbsh snapshot notes help commands' commands "$@"
}
(( $+functions[_pbsh__subcmd__snapshot__subcmd__notes__subcmd__help__subcmd__help_commands] )) ||
_pbsh__subcmd__snapshot__subcmd__notes__subcmd__help__subcmd__help_commands() {
    local commands; commands=()
    _describe -t commands 'pbsh snapshot notes help help commands' commands "$@"
}
(( $+functions[_pbsh__subcmd__snapshot__subcmd__notes__subcmd__help__subcmd__show_commands] )) ||
_pbsh__subcmd__snapshot__subcmd__notes__subcmd__help__subcmd__show_commands() {
    local commands; commands=()
    _describe -t commands 'pbsh snapshot notes help show commands' commands "$@"
}
(( $+functions[_pbsh__subcmd__snapshot__subcmd__notes__subcmd__help__subcmd__update_commands] )) ||
_pbsh__subcmd__snapshot__subcmd__notes__subcmd__help__subcmd__update_commands() {
    local commands; commands=()
    _describe -t commands 'pbsh snapshot notes help update commands' commands "$@"
}
(( $+functions[_pbsh__subcmd__snapshot__subcmd__notes__subcmd__show_commands] )) ||
_pbsh__subcmd__snapshot__subcmd__notes__subcmd__show_commands() {
    local commands; commands=()
    _describe -t commands 'pbsh snapshot notes show commands' commands "$@"
}
(( $+functions[_pbsh__subcmd__snapshot__subcmd__notes__subcmd__update_commands] )) ||
_pbsh__subcmd__snapshot__subcmd__notes__subcmd__update_commands() {
    local commands; commands=()
    _describe -t commands 'pbsh snapshot notes update commands' commands "$@"
}
(( $+functions[_pbsh__subcmd__snapshot__subcmd__protected_commands] )) ||
_pbsh__subcmd__snapshot__subcmd__protected_commands() {
    local commands; commands=(
'show:' \
'update:' \
'help:Print this message or the help of the given subcommand(s)' \
    )
    _describe -t commands 'pbsh snapshot protected commands' commands "$@"
}
(( $+functions[_pbsh__subcmd__snapshot__subcmd__protected__subcmd__help_commands] )) ||
_pbsh__subcmd__snapshot__subcmd__protected__subcmd__help_commands() {
    local commands; commands=(
'show:' \
'update:' \
'help:Print this message or the help of the given subcommand(s)' \
    )
    _describe -t commands 'pbsh snapshot protected help commands' commands "$@"
}
(( $+functions[_pbsh__subcmd__snapshot__subcmd__protected__subcmd__help__subcmd__help_commands] )) ||
_pbsh__subcmd__snapshot__subcmd__protected__subcmd__help__subcmd__help_commands() {
    local commands; commands=()
    _describe -t commands 'pbsh snapshot protected help help commands' commands "$@"
}
(( $+functions[_pbsh__subcmd__snapshot__subcmd__protected__subcmd__help__subcmd__show_commands] )) ||
_pbsh__subcmd__snapshot__subcmd__protected__subcmd__help__subcmd__show_commands() {
    local commands; commands=()
    _describe -t commands 'pbsh snapshot protected help show commands' commands "$@"
}
(( $+functions[_pbsh__subcmd__snapshot__subcmd__protected__subcmd__help__subcmd__update_commands] )) ||
_pbsh__subcmd__snapshot__subcmd__protected__subcmd__help__subcmd__update_commands() {
    local commands; commands=()
    _describe -t commands 'pbsh snapshot protected help update commands' commands "$@"
}
(( $+functions[_pbsh__subcmd__snapshot__subcmd__protected__subcmd__show_commands] )) ||
_pbsh__subcmd__snapshot__subcmd__protected__subcmd__show_commands() {
    local commands; commands=()
    _describe -t commands 'pbsh snapshot protected show commands' commands "$@"
}
(( $+functions[_pbsh__subcmd__snapshot__subcmd__protected__subcmd__update_commands] )) ||
_pbsh__subcmd__snapshot__subcmd__protected__subcmd__update_commands() {
    local commands; commands=()
    _describe -t commands 'pbsh snapshot protected update commands' commands "$@"
}
(( $+functions[_pbsh__subcmd__snapshot__subcmd__upload-log_commands] )) ||
_pbsh__subcmd__snapshot__subcmd__upload-log_commands() {
    local commands; commands=()
    _describe -t commands 'pbsh snapshot upload-log commands' commands "$@"
}
(( $+functions[_pbsh__subcmd__stat_commands] )) ||
_pbsh__subcmd__stat_commands() {
    local commands; commands=()
    _describe -t commands 'pbsh stat commands' commands "$@"
}
(( $+functions[_pbsh__subcmd__status_commands] )) ||
_pbsh__subcmd__status_commands() {
    local commands; commands=()
    _describe -t commands 'pbsh status commands' commands "$@"
}
(( $+functions[_pbsh__subcmd__task_commands] )) ||
_pbsh__subcmd__task_commands() {
    local commands; commands=(
'list:List recent tasks of the server' \
'log:Print a task'\''s log' \
'stop:Ask the server to abort a running task' \
'help:Print this message or the help of the given subcommand(s)' \
    )
    _describe -t commands 'pbsh task commands' commands "$@"
}
(( $+functions[_pbsh__subcmd__task__subcmd__help_commands] )) ||
_pbsh__subcmd__task__subcmd__help_commands() {
    local commands; commands=(
'list:List recent tasks of the server' \
'log:Print a task'\''s log' \
'stop:Ask the server to abort a running task' \
'help:Print this message or the help of the given subcommand(s)' \
    )
    _describe -t commands 'pbsh task help commands' commands "$@"
}
(( $+functions[_pbsh__subcmd__task__subcmd__help__subcmd__help_commands] )) ||
_pbsh__subcmd__task__subcmd__help__subcmd__help_commands() {
    local commands; commands=()
    _describe -t commands 'pbsh task help help commands' commands "$@"
}
(( $+functions[_pbsh__subcmd__task__subcmd__help__subcmd__list_commands] )) ||
_pbsh__subcmd__task__subcmd__help__subcmd__list_commands() {
    local commands; commands=()
    _describe -t commands 'pbsh task help list commands' commands "$@"
}
(( $+functions[_pbsh__subcmd__task__subcmd__help__subcmd__log_commands] )) ||
_pbsh__subcmd__task__subcmd__help__subcmd__log_commands() {
    local commands; commands=()
    _describe -t commands 'pbsh task help log commands' commands "$@"
}
(( $+functions[_pbsh__subcmd__task__subcmd__help__subcmd__stop_commands] )) ||
_pbsh__subcmd__task__subcmd__help__subcmd__stop_commands() {
    local commands; commands=()
    _describe -t commands 'pbsh task help stop commands' commands "$@"
}
(( $+functions[_pbsh__subcmd__task__subcmd__list_commands] )) ||
_pbsh__subcmd__task__subcmd__list_commands() {
    local commands; commands=()
    _describe -t commands 'pbsh task list commands' commands "$@"
}
(( $+functions[_pbsh__subcmd__task__subcmd__log_commands] )) ||
_pbsh__subcmd__task__subcmd__log_commands() {
    local commands; commands=()
    _describe -t commands 'pbsh task log commands' commands "$@"
}
(( $+functions[_pbsh__subcmd__task__subcmd__stop_commands] )) ||
_pbsh__subcmd__task__subcmd__stop_commands() {
    local commands; commands=()
    _describe -t commands 'pbsh task stop commands' commands "$@"
}
(( $+functions[_pbsh__subcmd__tree_commands] )) ||
_pbsh__subcmd__tree_commands() {
    local commands; commands=()
    _describe -t commands 'pbsh tree commands' commands "$@"
}
(( $+functions[_pbsh__subcmd__umount_commands] )) ||
_pbsh__subcmd__umount_commands() {
    local commands; commands=()
    _describe -t commands 'pbsh umount commands' commands "$@"
}
(( $+functions[_pbsh__subcmd__unmap_commands] )) ||
_pbsh__subcmd__unmap_commands() {
    local commands; commands=()
    _describe -t commands 'pbsh unmap commands' commands "$@"
}
(( $+functions[_pbsh__subcmd__unprotect_commands] )) ||
_pbsh__subcmd__unprotect_commands() {
    local commands; commands=()
    _describe -t commands 'pbsh unprotect commands' commands "$@"
}
(( $+functions[_pbsh__subcmd__verify_commands] )) ||
_pbsh__subcmd__verify_commands() {
    local commands; commands=()
    _describe -t commands 'pbsh verify commands' commands "$@"
}
(( $+functions[_pbsh__subcmd__version_commands] )) ||
_pbsh__subcmd__version_commands() {
    local commands; commands=()
    _describe -t commands 'pbsh version commands' commands "$@"
}

if [ "$funcstack[1]" = "_pbsh" ]; then
    _pbsh "$@"
else
    compdef _pbsh pbsh
fi
