//! The interactive loop on a terminal: line editor, prompt, history, completion, Ctrl-C.
//!
//! Ctrl-C at the prompt clears the line; while a command runs it cancels that command only
//! and returns to the prompt (status 130). Ctrl-D on an empty line leaves.

use crate::shell::commands::Flow;
use crate::shell::completion::{Place, ShellCompleter};
use crate::shell::exit;
use crate::shell::menu::{GuardedEnter, GuardedMenu};
use crate::shell::tree::short_location;
use crate::shell::Session;
use nu_ansi_term::{Color, Style};
use reedline::{
    default_emacs_keybindings, ColumnarMenu, DefaultHinter, Emacs, FileBackedHistory, KeyCode,
    KeyModifiers, MenuBuilder, Prompt, PromptEditMode, PromptHistorySearch,
    PromptHistorySearchStatus, Reedline, ReedlineEvent, ReedlineMenu, Signal,
};
use std::borrow::Cow;
use std::sync::{Arc, Mutex};
use std::time::Instant;

/// Lines kept in the history file.
const HISTORY_LINES: usize = 10_000;

struct ShellPrompt {
    left: String,
    right: String,
}

impl Prompt for ShellPrompt {
    fn render_prompt_left(&self) -> Cow<'_, str> {
        Cow::Borrowed(&self.left)
    }

    fn render_prompt_right(&self) -> Cow<'_, str> {
        Cow::Borrowed(&self.right)
    }

    fn render_prompt_indicator(&self, _mode: PromptEditMode) -> Cow<'_, str> {
        Cow::Borrowed("> ")
    }

    fn render_prompt_multiline_indicator(&self) -> Cow<'_, str> {
        Cow::Borrowed("::: ")
    }

    fn render_prompt_history_search_indicator(&self, search: PromptHistorySearch) -> Cow<'_, str> {
        let prefix = match search.status {
            PromptHistorySearchStatus::Passing => "",
            PromptHistorySearchStatus::Failing => "failing ",
        };
        Cow::Owned(format!("({prefix}reverse-search: {}) ", search.term))
    }

    fn get_prompt_color(&self) -> reedline::Color {
        reedline::Color::Reset
    }

    fn get_indicator_color(&self) -> reedline::Color {
        reedline::Color::Reset
    }

    fn get_prompt_right_color(&self) -> reedline::Color {
        reedline::Color::DarkGrey
    }
}

/// The prompt for the session's place: `local:/store/host/web1>`, shortened when long.
pub fn prompt_text(session: &Session, color: bool) -> String {
    let location = short_location(&session.cwd, 60);
    let origin = session.repo.origin();
    if color {
        format!(
            "{}:{}",
            Color::Green.bold().paint(origin),
            Color::Blue.bold().paint(location)
        )
    } else {
        format!("{origin}:{location}")
    }
}

fn history_path() -> std::path::PathBuf {
    crate::util::paths::data_dir().join("history")
}

fn place_of(session: &Session) -> Place {
    Place {
        browser: session.browser.clone(),
        cwd: session.cwd.clone(),
        home: session.home.clone(),
        previous: session.previous.clone(),
    }
}

/// Runs the interactive shell until `exit` or Ctrl-D; returns the last command's status.
pub fn run(session: &mut Session) -> i32 {
    crate::util::cancel::install_handler();
    session.in_repl = true;
    let place = Arc::new(Mutex::new(place_of(session)));
    let mut keybindings = default_emacs_keybindings();
    keybindings.add_binding(
        KeyModifiers::NONE,
        KeyCode::Tab,
        ReedlineEvent::UntilFound(vec![
            ReedlineEvent::Menu("completion_menu".to_string()),
            ReedlineEvent::MenuNext,
        ]),
    );
    // Completion never takes over Enter (see shell/menu.rs).
    let menu = GuardedMenu::new(ColumnarMenu::default().with_name("completion_menu"));
    let mut editor = Reedline::create()
        .with_completer(Box::new(ShellCompleter::new(place.clone())))
        .with_menu(ReedlineMenu::EngineCompleter(Box::new(menu)))
        .with_edit_mode(Box::new(GuardedEnter::new(Emacs::new(keybindings))))
        .with_quick_completions(false)
        .with_partial_completions(true)
        .with_ansi_colors(session.color)
        // A leading space keeps a line out of the history, as in bash.
        .with_history_exclusion_prefix(Some(" ".into()))
        .with_hinter(Box::new(
            DefaultHinter::default().with_style(Style::new().fg(Color::DarkGray)),
        ));
    let path = history_path();
    if let Some(dir) = path.parent() {
        let _ = std::fs::create_dir_all(dir);
    }
    // reliability.md P7: the history file is 0600 regardless of umask.
    if let Err(e) = crate::shell::history::make_private(&path) {
        crate::errln!(
            "pbsh: warning: {}: cannot make it private: {e}",
            path.display()
        );
    }
    match FileBackedHistory::with_file(HISTORY_LINES, path.clone()) {
        Ok(history) => {
            editor = editor.with_history(Box::new(crate::shell::history::FilteredHistory(history)))
        }
        Err(e) => crate::errln!("pbsh: history disabled ({}: {e})", path.display()),
    }
    let mut status = exit::OK;
    // ux.md 5.2: where the datastore lives, that (locally) nothing leaves the machine, and
    // what to type next.
    let version = env!("CARGO_PKG_VERSION");
    crate::errln!("pbsh {version}: {}", session.repo.describe());
    crate::errln!("Try: `backup DIR`, `ls`, `cd` and Tab; `help` lists commands.");
    crate::errln!("Tab completes, Ctrl-C cancels a command, Ctrl-D leaves.");
    let mut last_duration = None;
    let mut plain = false;
    loop {
        let right = match (status, last_duration) {
            (0, Some(d)) if d >= 2.0 => format!("{d:.1}s"),
            (0, _) => String::new(),
            (s, _) => format!("[{s}]"),
        };
        let prompt = ShellPrompt {
            left: prompt_text(session, session.color),
            right,
        };
        let line = if plain {
            match read_plain_line(&prompt_text(session, false)) {
                Some(line) => line,
                None => return status,
            }
        } else {
            match editor.read_line(&prompt) {
                Ok(Signal::Success(line)) => line,
                Ok(Signal::CtrlD) => return status,
                Ok(_) => continue,
                Err(e) => {
                    // Terminals that do not answer the cursor-position query (`script`,
                    // expect-style drivers, some serial consoles) still get a working shell.
                    crate::errln!(
                        "pbsh: this terminal cannot do line editing ({e}); reading plain lines"
                    );
                    plain = true;
                    continue;
                }
            }
        };
        let text = line.trim();
        if text.is_empty() {
            continue;
        }
        if !line.starts_with(' ') && !crate::shell::history::looks_secret(text) {
            session.history.push(text.to_string());
        }
        let started = Instant::now();
        crate::util::cancel::reset();
        let result = session.run_line(text);
        last_duration = Some(started.elapsed().as_secs_f64());
        status = match result {
            Ok(Flow::Exit) => return exit::OK,
            Ok(Flow::Continue) => exit::OK,
            Err(e) => {
                let code = e.exit_status();
                if code == exit::INTERRUPTED {
                    crate::errln!("cancelled");
                } else {
                    let message = e.to_string();
                    if session.color {
                        crate::errln!("{} {message}", Color::Red.bold().paint("error:"));
                    } else {
                        crate::errln!("error: {message}");
                    }
                }
                code
            }
        };
        crate::util::cancel::reset();
        if let Ok(mut p) = place.lock() {
            *p = place_of(session);
        }
    }
}

/// One line from standard input after printing `prompt`, without line editing; `None` at the end
/// of input.
fn read_plain_line(prompt: &str) -> Option<String> {
    use std::io::{BufRead, Write};
    let mut out = std::io::stdout();
    let _ = write!(out, "{prompt}> ");
    let _ = out.flush();
    let mut line = String::new();
    match std::io::stdin().lock().read_line(&mut line) {
        Ok(0) | Err(_) => None,
        Ok(_) => Some(line.trim_end_matches(['\n', '\r']).to_string()),
    }
}
