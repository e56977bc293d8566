//! The completion menu and the Enter key: completion never takes over Enter.
//!
//! reedline keeps its completion menu open after Tab inserted a unique completion (showing
//! what lies below it, with the first entry highlighted), and Enter on an open menu inserts
//! the highlighted entry instead of running the line: `cd ` Tab Enter typed
//! `cd 2026-…Z/catalog.pcat1` rather than running `cd 2026-…Z/`. Here a unique completion
//! completes and closes the menu (the next Tab opens it on what lies below), and Enter runs
//! the line unless the user moved into the menu (Tab again, Shift-Tab, the arrow keys); only
//! then does Enter take the highlighted entry (and not run the line).
//!
//! reedline turns a whole batch of keys into events before it handles any, so what Enter does
//! is decided when it is handled, not when it is read: Enter becomes `Enter, Submit`. With the
//! menu open and chosen from, `Enter` takes the entry and the menu swallows the `Submit`; with
//! the menu merely open, `Enter` closes it (taking nothing) and `Submit` runs the line; with
//! no menu, `Enter` runs the line and the `Submit` is never reached.

use reedline::{
    Completer, EditMode, Editor, Menu, MenuEvent, Painter, PromptEditMode, ReedlineEvent,
    ReedlineRawEvent, Suggestion,
};
use std::sync::atomic::{AtomicU8, Ordering};

/// The menu is closed.
const CLOSED: u8 = 0;
/// The menu is open, the user has not moved into it.
const OPEN: u8 = 1;
/// The user moved into the open menu: Enter takes the highlighted entry.
const CHOSEN: u8 = 2;
/// Enter took the entry; the menu's closing is still to come.
const TAKEN: u8 = 3;
/// Enter took the entry and closed the menu, which still answers "active" once so that it
/// swallows the `Submit` that follows.
const SWALLOW: u8 = 4;

/// What the menu is doing (`replace_in_buffer` changes it through `&self`).
#[derive(Default)]
struct MenuState(AtomicU8);

impl MenuState {
    fn set(&self, state: u8) {
        self.0.store(state, Ordering::SeqCst);
    }

    fn get(&self) -> u8 {
        self.0.load(Ordering::SeqCst)
    }
}

/// A completion menu that closes after a unique completion and records whether the user has
/// moved into it.
pub struct GuardedMenu<M: Menu> {
    inner: M,
    state: MenuState,
}

impl<M: Menu> GuardedMenu<M> {
    pub fn new(inner: M) -> Self {
        GuardedMenu {
            inner,
            state: MenuState::default(),
        }
    }

    fn close(&mut self) {
        self.inner.menu_event(MenuEvent::Deactivate);
        self.state.set(CLOSED);
    }
}

impl<M: Menu> Menu for GuardedMenu<M> {
    fn name(&self) -> &str {
        self.inner.name()
    }

    fn indicator(&self) -> &str {
        self.inner.indicator()
    }

    fn is_active(&self) -> bool {
        self.inner.is_active() || self.state.get() == SWALLOW
    }

    fn menu_event(&mut self, event: MenuEvent) {
        match event {
            MenuEvent::Activate(_) | MenuEvent::Edit(_) => {
                self.state.set(OPEN);
                self.inner.menu_event(event);
            }
            MenuEvent::Deactivate => {
                let next = if self.state.get() == TAKEN {
                    SWALLOW
                } else {
                    CLOSED
                };
                self.state.set(next);
                self.inner.menu_event(event);
            }
            // A Tab that completed uniquely closed the menu before this step arrived.
            _ if !self.inner.is_active() => self.inner.menu_event(event),
            // The first step into the menu lands on the entry already highlighted.
            MenuEvent::NextElement | MenuEvent::MoveDown | MenuEvent::MoveRight
                if self.state.get() == OPEN =>
            {
                self.state.set(CHOSEN);
            }
            _ => {
                self.state.set(CHOSEN);
                self.inner.menu_event(event);
            }
        }
    }

    /// Never: a Tab on a menu narrowed to one entry completes it through
    /// `can_partially_complete` (and closes the menu) rather than through Enter.
    fn can_quick_complete(&self) -> bool {
        false
    }

    fn can_partially_complete(
        &mut self,
        values_updated: bool,
        editor: &mut Editor,
        completer: &mut dyn Completer,
    ) -> bool {
        if !values_updated {
            self.inner.update_values(editor, completer);
        }
        let unique = self.inner.get_values().len() == 1;
        let completed = self.inner.can_partially_complete(true, editor, completer);
        if completed && unique {
            // A unique completion completes and stops; the next Tab shows what follows.
            self.close();
        }
        completed
    }

    fn update_values(&mut self, editor: &mut Editor, completer: &mut dyn Completer) {
        self.inner.update_values(editor, completer)
    }

    fn update_working_details(
        &mut self,
        editor: &mut Editor,
        completer: &mut dyn Completer,
        painter: &Painter,
    ) {
        self.inner
            .update_working_details(editor, completer, painter)
    }

    fn replace_in_buffer(&self, editor: &mut Editor) {
        // Only an entry the user moved to is taken.
        if self.state.get() == CHOSEN {
            self.inner.replace_in_buffer(editor);
            self.state.set(TAKEN);
        }
    }

    fn menu_required_lines(&self, terminal_columns: u16) -> u16 {
        self.inner.menu_required_lines(terminal_columns)
    }

    fn menu_string(&self, available_lines: u16, use_ansi_coloring: bool) -> String {
        self.inner.menu_string(available_lines, use_ansi_coloring)
    }

    fn min_rows(&self) -> u16 {
        self.inner.min_rows()
    }

    fn get_values(&self) -> &[Suggestion] {
        self.inner.get_values()
    }

    fn set_cursor_pos(&mut self, pos: (u16, u16)) {
        self.inner.set_cursor_pos(pos)
    }
}

/// An edit mode (over Emacs; Vi's mode-specific events are not passed on) whose Enter is
/// `Enter, Submit`, for `GuardedMenu` to decide between when they are handled.
pub struct GuardedEnter<E: EditMode> {
    inner: E,
}

impl<E: EditMode> GuardedEnter<E> {
    pub fn new(inner: E) -> Self {
        GuardedEnter { inner }
    }
}

impl<E: EditMode> EditMode for GuardedEnter<E> {
    fn parse_event(&mut self, event: ReedlineRawEvent) -> ReedlineEvent {
        match self.inner.parse_event(event) {
            ReedlineEvent::Enter => {
                ReedlineEvent::Multiple(vec![ReedlineEvent::Enter, ReedlineEvent::Submit])
            }
            other => other,
        }
    }

    fn edit_mode(&self) -> PromptEditMode {
        self.inner.edit_mode()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use reedline::{ColumnarMenu, MenuBuilder};

    #[test]
    fn moving_into_the_menu_is_what_lets_enter_choose() {
        let mut menu = GuardedMenu::new(ColumnarMenu::default().with_name("m"));
        assert_eq!(menu.name(), "m");
        let state = |m: &GuardedMenu<ColumnarMenu>| m.state.get();
        menu.menu_event(MenuEvent::Activate(false));
        assert_eq!(state(&menu), OPEN);
        // Enter on a menu merely open takes nothing and closes it (then Submit runs the line).
        let mut editor = Editor::default();
        menu.replace_in_buffer(&mut editor);
        menu.menu_event(MenuEvent::Deactivate);
        assert_eq!(state(&menu), CLOSED);
        assert!(!menu.is_active());

        menu.menu_event(MenuEvent::Activate(false));
        menu.menu_event(MenuEvent::NextElement);
        assert_eq!(state(&menu), CHOSEN);
        menu.menu_event(MenuEvent::Edit(false));
        assert_eq!(state(&menu), OPEN, "typing leaves the menu again");
        menu.menu_event(MenuEvent::MoveUp);
        assert_eq!(state(&menu), CHOSEN);
        // Enter after a move takes the entry, and the menu swallows the Submit after it.
        menu.replace_in_buffer(&mut editor);
        menu.menu_event(MenuEvent::Deactivate);
        assert!(menu.is_active(), "still answers for the Submit");
        menu.replace_in_buffer(&mut editor);
        menu.menu_event(MenuEvent::Deactivate);
        assert_eq!(state(&menu), CLOSED);
        assert!(!menu.is_active());
    }
}
