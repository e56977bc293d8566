//! `key …`: create, show and convert encryption keys, master keys and paperkeys.
//!
//! Passphrases come from PBS_ENCRYPTION_PASSWORD (or _FD/_FILE) or the terminal, never argv.

use crate::format::blob;
use crate::format::keyfile::{KdfKind, KeyConfig};
use crate::format::limits;
use crate::format::master_key;
use crate::format::paperkey;
use crate::shell::exit::ShellError;
use crate::shell::output::{self, Field, OutputFormat};
use crate::shell::Session;
use crate::util::{atomic, paths, secrets};
use anyhow::{bail, Context, Result};
use chrono::{Local, TimeZone};
use clap::{Subcommand, ValueEnum};
use serde_json::{json, Value};
use std::path::{Path, PathBuf};

/// Environment variable holding the key passphrase (as proxmox-backup-client).
pub const PASSWORD_ENV: &str = "PBS_ENCRYPTION_PASSWORD";
/// Environment variable holding the new passphrase for `create`, `change-passphrase` and imports.
pub const NEW_PASSWORD_ENV: &str = "PBSH_NEW_ENCRYPTION_PASSWORD";
/// Environment variable holding the master private key's password.
pub const MASTER_PASSWORD_ENV: &str = "PBSH_MASTER_KEY_PASSWORD";

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum Kdf {
    None,
    Scrypt,
    Pbkdf2,
}

impl From<Kdf> for KdfKind {
    fn from(k: Kdf) -> Self {
        match k {
            Kdf::None => KdfKind::None,
            Kdf::Scrypt => KdfKind::Scrypt,
            Kdf::Pbkdf2 => KdfKind::Pbkdf2,
        }
    }
}

#[derive(Debug, Clone, Copy, ValueEnum, Default)]
pub enum PaperkeyFormat {
    #[default]
    Html,
    Text,
}

#[derive(Debug, Subcommand)]
pub enum KeyCommand {
    /// Create a new encryption key (default: ~/.config/proxmox-backup/encryption-key.json)
    Create {
        path: Option<PathBuf>,
        #[arg(long, value_enum, default_value = "scrypt")]
        kdf: Kdf,
        /// Password hint stored in the key file
        #[arg(long)]
        hint: Option<String>,
    },
    /// Create an RSA master key pair (master-public.pem, master-private.pem) in the current directory
    CreateMasterKey,
    /// Import an encryption key recovered with the RSA master private key:
    /// `[PATH] --encrypted-keyfile FILE --master-keyfile PEM` (as PBS), or
    /// `MASTER_KEYFILE ENCRYPTED_KEYFILE [PATH]`
    ImportWithMasterKey {
        /// [PATH], or MASTER_KEYFILE ENCRYPTED_KEYFILE [PATH]
        #[arg(num_args = 0..=3, value_name = "PATHS")]
        args: Vec<PathBuf>,
        /// rsa-encrypted.key.blob (or its raw RSA ciphertext)
        #[arg(long)]
        encrypted_keyfile: Option<PathBuf>,
        /// The master private key (PEM)
        #[arg(long)]
        master_keyfile: Option<PathBuf>,
        #[arg(long, value_enum, default_value = "scrypt")]
        kdf: Kdf,
        #[arg(long)]
        hint: Option<String>,
    },
    /// Change the passphrase (and KDF) of a key file
    ChangePassphrase {
        path: Option<PathBuf>,
        #[arg(long, value_enum, default_value = "scrypt")]
        kdf: Kdf,
        #[arg(long)]
        hint: Option<String>,
    },
    /// Show a key file's metadata (no passphrase needed)
    Show {
        path: Option<PathBuf>,
        #[arg(long, value_enum, default_value = "text")]
        output_format: OutputFormat,
    },
    /// Print a key file or master private key for paper backup
    Paperkey {
        path: Option<PathBuf>,
        /// Subject line printed above the key
        #[arg(long)]
        subject: Option<String>,
        #[arg(long, value_enum, default_value = "html")]
        output_format: PaperkeyFormat,
    },
    /// Show the RSA master public key's modulus, exponent and length
    ShowMasterPubkey {
        path: Option<PathBuf>,
        #[arg(long, value_enum, default_value = "text")]
        output_format: OutputFormat,
    },
    /// Install a master public key as the default one
    ImportMasterPubkey { path: PathBuf },
}

pub fn run(session: &mut Session, cmd: KeyCommand) -> Result<()> {
    match cmd {
        KeyCommand::Create { path, kdf, hint } => create(path, kdf.into(), hint),
        KeyCommand::CreateMasterKey => create_master_key(),
        KeyCommand::ImportWithMasterKey {
            args,
            encrypted_keyfile,
            master_keyfile,
            kdf,
            hint,
        } => {
            let (master, encrypted, path) = import_paths(args, encrypted_keyfile, master_keyfile)?;
            import_with_master_key(&master, &encrypted, path, kdf.into(), hint)
        }
        KeyCommand::ChangePassphrase { path, kdf, hint } => {
            change_passphrase(path, kdf.into(), hint)
        }
        KeyCommand::Show {
            path,
            output_format,
        } => show(session, path, output_format),
        KeyCommand::Paperkey {
            path,
            subject,
            output_format,
        } => paperkey(session, path, subject, output_format),
        KeyCommand::ShowMasterPubkey {
            path,
            output_format,
        } => show_master_pubkey(session, path, output_format),
        KeyCommand::ImportMasterPubkey { path } => import_master_pubkey(&path),
    }
}

fn now() -> i64 {
    chrono::Utc::now().timestamp()
}

/// Reads and parses a key file, naming it in every error.
pub fn load_key_file(path: &Path) -> Result<KeyConfig> {
    let bytes = read_capped(path)?;
    KeyConfig::parse(&bytes).with_context(|| format!("key file {}", path.display()))
}

/// Loads a key file and unwraps its key, asking for the passphrase only when it has one.
pub fn load_and_decrypt(path: &Path) -> Result<(KeyConfig, zeroize::Zeroizing<[u8; 32]>)> {
    let config = load_key_file(path)?;
    let passphrase = if config.needs_passphrase() {
        secrets::get(PASSWORD_ENV, "Encryption Key Password: ")?
    } else {
        zeroize::Zeroizing::new(String::new())
    };
    let key = config
        .decrypt(passphrase.as_bytes())
        .with_context(|| format!("key file {}", path.display()))?;
    Ok((config, key))
}

fn read_capped(path: &Path) -> Result<Vec<u8>> {
    let meta =
        std::fs::metadata(path).with_context(|| format!("cannot read {}", path.display()))?;
    // LIMIT: key files and PEMs are tiny (limits::MAX_KEY_FILE_SIZE).
    if meta.len() > limits::MAX_KEY_FILE_SIZE as u64 {
        bail!(
            "{}: {} bytes is too large for a key file",
            path.display(),
            meta.len()
        );
    }
    std::fs::read(path).with_context(|| format!("cannot read {}", path.display()))
}

fn default_key_path(path: Option<PathBuf>, must_exist: bool) -> Result<PathBuf> {
    if let Some(p) = path {
        return Ok(p);
    }
    let p = paths::default_encryption_key();
    if must_exist && !p.exists() {
        bail!("no key file given and no default key at {}", p.display());
    }
    Ok(p)
}

fn wrap(key: &[u8; 32], kdf: KdfKind, hint: Option<String>, created: i64) -> Result<KeyConfig> {
    let mut config = match kdf {
        KdfKind::None => {
            if hint.is_some() {
                bail!("a password hint makes no sense for --kdf none");
            }
            KeyConfig::without_passphrase(key, created, now())?
        }
        _ => {
            let passphrase = secrets::get_new(NEW_PASSWORD_ENV, "Encryption Key Password: ")
                .or_else(|_| secrets::get_new(PASSWORD_ENV, "Encryption Key Password: "))?;
            KeyConfig::with_passphrase(key, kdf, passphrase.as_bytes(), created, now())?
        }
    };
    config.hint = hint;
    Ok(config)
}

fn ensure_parent(path: &Path) -> Result<()> {
    if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(parent)
            .with_context(|| format!("cannot create {}", parent.display()))?;
    }
    Ok(())
}

fn create(path: Option<PathBuf>, kdf: KdfKind, hint: Option<String>) -> Result<()> {
    let is_default = path.is_none();
    let path = default_key_path(path, false)?;
    if is_default {
        crate::errln!("creating default key at: {}", path.display());
    }
    let mut key = zeroize::Zeroizing::new([0u8; 32]);
    openssl::rand::rand_bytes(&mut key[..])?;
    let config = wrap(&key, kdf, hint, now())?;
    ensure_parent(&path)?;
    atomic::create_new_file(&path, config.to_json()?.as_bytes(), 0o600)
        .with_context(|| format!("cannot store key file {}", path.display()))?;
    Ok(())
}

fn change_passphrase(path: Option<PathBuf>, kdf: KdfKind, hint: Option<String>) -> Result<()> {
    let path = default_key_path(path, true)?;
    let (old, key) = load_and_decrypt(&path)?;
    let config = wrap(&key, kdf, hint, old.created)?;
    atomic::replace_file(&path, config.to_json()?.as_bytes(), 0o600)
        .with_context(|| format!("cannot store key file {}", path.display()))?;
    Ok(())
}

fn create_master_key() -> Result<()> {
    for name in ["master-public.pem", "master-private.pem"] {
        if Path::new(name).exists() {
            bail!("{name} already exists in the current directory; move it away first");
        }
    }
    let password = secrets::get_new(MASTER_PASSWORD_ENV, "Master Key Password: ")?;
    if password.len() < limits::MIN_PASSPHRASE_LEN {
        bail!(
            "master key password is too short (at least {} characters)",
            limits::MIN_PASSPHRASE_LEN
        );
    }
    crate::errln!("Generating {}-bit RSA key..", master_key::MASTER_KEY_BITS);
    let pair = master_key::generate(master_key::MASTER_KEY_BITS, password.as_bytes())?;
    crate::errln!("Writing public master key to master-public.pem");
    atomic::create_new_file(Path::new("master-public.pem"), &pair.public_pem, 0o644)
        .context("cannot write master-public.pem")?;
    crate::errln!("Writing private master key to master-private.pem");
    atomic::create_new_file(Path::new("master-private.pem"), &pair.private_pem, 0o600)
        .context("cannot write master-private.pem")?;
    Ok(())
}

/// Decrypts a key that was sealed for the master key (the blob, or its raw RSA payload).
pub fn recover_with_master_key(master_keyfile: &Path, encrypted: &[u8]) -> Result<KeyConfig> {
    let private_pem = read_capped(master_keyfile)?;
    let sealed = if blob::check_header_and_crc(encrypted).is_ok() {
        blob::decode(encrypted, None, limits::MAX_KEY_FILE_SIZE).context("encrypted key blob")?
    } else {
        encrypted.to_vec()
    };
    let password = secrets::get(MASTER_PASSWORD_ENV, "Master Key Password: ")?;
    master_key::decrypt_key_config(&private_pem, password.as_bytes(), &sealed)
        .with_context(|| format!("master key {}", master_keyfile.display()))
}

/// The master key, the encrypted key and the output of `import-with-master-key`, from PBS's
/// form (`[PATH] --encrypted-keyfile E --master-keyfile M`) or pbsh's (`M E [PATH]`).
fn import_paths(
    mut args: Vec<PathBuf>,
    encrypted: Option<PathBuf>,
    master: Option<PathBuf>,
) -> Result<(PathBuf, PathBuf, Option<PathBuf>)> {
    match (master, encrypted) {
        (Some(master), Some(encrypted)) if args.len() <= 1 => Ok((master, encrypted, args.pop())),
        (None, None) if (2..=3).contains(&args.len()) => {
            let path = (args.len() == 3).then(|| args.remove(2));
            let encrypted = args.remove(1);
            Ok((args.remove(0), encrypted, path))
        }
        _ => Err(ShellError::Usage(
            "import-with-master-key: give [PATH] --encrypted-keyfile FILE --master-keyfile PEM, \
             or MASTER_KEYFILE ENCRYPTED_KEYFILE [PATH]"
                .to_string(),
        )
        .into()),
    }
}

fn import_with_master_key(
    master_keyfile: &Path,
    encrypted_keyfile: &Path,
    path: Option<PathBuf>,
    kdf: KdfKind,
    hint: Option<String>,
) -> Result<()> {
    let is_default = path.is_none();
    let path = default_key_path(path, false)?;
    if is_default && path.exists() {
        bail!(
            "please remove the default encryption key at {} before importing to the default location (or name another path)",
            path.display()
        );
    }
    let encrypted = read_capped(encrypted_keyfile)?;
    let recovered = recover_with_master_key(master_keyfile, &encrypted)?;
    let key = recovered
        .decrypt(b"")
        .with_context(|| format!("recovered key from {}", encrypted_keyfile.display()))?;
    let config = wrap(&key, kdf, hint, recovered.created)?;
    ensure_parent(&path)?;
    atomic::replace_file(&path, config.to_json()?.as_bytes(), 0o600)
        .with_context(|| format!("cannot store key file {}", path.display()))?;
    Ok(())
}

/// `%c` in the C locale, as PBS renders key times.
fn render_epoch(value: &Value) -> String {
    value
        .as_i64()
        .and_then(|e| Local.timestamp_opt(e, 0).single())
        .map(|t| t.format("%a %b %e %H:%M:%S %Y").to_string())
        .unwrap_or_else(|| output::plain(value))
}

fn show(session: &mut Session, path: Option<PathBuf>, format: OutputFormat) -> Result<()> {
    let path = default_key_path(path, true)?;
    let config = load_key_file(&path)?;
    let mut info = json!({
        "path": path.display().to_string(),
        "kdf": config.kdf_kind().as_str(),
        "created": config.created,
        "modified": config.modified,
    });
    if let Some(fp) = &config.fingerprint {
        info["fingerprint"] = json!(fp);
    }
    if let Some(hint) = &config.hint {
        info["hint"] = json!(hint);
    }
    let fields = [
        Field {
            key: "path",
            render: output::plain,
        },
        Field {
            key: "kdf",
            render: output::plain,
        },
        Field {
            key: "created",
            render: render_epoch,
        },
        Field {
            key: "modified",
            render: render_epoch,
        },
        Field {
            key: "fingerprint",
            render: output::plain,
        },
        Field {
            key: "hint",
            render: output::plain,
        },
    ];
    output::write_object(&mut session.out, format, &info, &fields)?;
    Ok(())
}

fn paperkey(
    session: &mut Session,
    path: Option<PathBuf>,
    subject: Option<String>,
    format: PaperkeyFormat,
) -> Result<()> {
    let path = default_key_path(path, true)?;
    let bytes = read_capped(&path)?;
    let text =
        String::from_utf8(bytes).with_context(|| format!("{} is not text", path.display()))?;
    let rendered = match format {
        PaperkeyFormat::Text => paperkey::paperkey_text(&text, subject.as_deref()),
        PaperkeyFormat::Html => paperkey::paperkey_html(&text, subject.as_deref()),
    }
    .with_context(|| format!("paperkey of {}", path.display()))?;
    session.out.write_all(rendered.as_bytes())?;
    Ok(())
}

fn show_master_pubkey(
    session: &mut Session,
    path: Option<PathBuf>,
    format: OutputFormat,
) -> Result<()> {
    let path = match path {
        Some(p) => p,
        None => {
            let p = paths::default_master_pubkey();
            if !p.exists() {
                bail!("no path given and no default master key at {}", p.display());
            }
            p
        }
    };
    let pem = read_capped(&path)?;
    let info = master_key::public_key_info(&pem).with_context(|| format!("{}", path.display()))?;
    // PBS shows the key's canonical path (absolute, symlinks resolved).
    let path = std::fs::canonicalize(&path)
        .with_context(|| format!("cannot resolve {}", path.display()))?;
    let value = json!({
        "path": path.display().to_string(),
        "exponent": info.exponent_dec,
        "modulus": info.modulus_hex,
        "length": info.bits,
    });
    let fields = [
        Field {
            key: "path",
            render: output::plain,
        },
        Field {
            key: "modulus",
            render: output::plain,
        },
        Field {
            key: "exponent",
            render: output::plain,
        },
        Field {
            key: "length",
            render: output::plain,
        },
    ];
    output::write_object(&mut session.out, format, &value, &fields)?;
    Ok(())
}

fn import_master_pubkey(path: &Path) -> Result<()> {
    let pem = read_capped(path)?;
    let info = master_key::public_key_info(&pem).with_context(|| format!("{}", path.display()))?;
    let target = paths::default_master_pubkey();
    ensure_parent(&target)?;
    atomic::replace_file(&target, &pem, 0o644)
        .with_context(|| format!("cannot write {}", target.display()))?;
    crate::errln!(
        "Imported {}-bit public master key to {}",
        info.bits,
        target.display()
    );
    Ok(())
}
