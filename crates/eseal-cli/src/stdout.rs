//! Standard output and error without panics. `println!` panics when standard output's
//! reader has gone — `eseal verify signed.ofd | head` closes the pipe after ten lines, and
//! the user got a Rust panic with a backtrace instead of the first ten lines. Every line the
//! commands print goes through [`outln!`] (and [`errln!`] / [`errout!`] for
//! standard error): a closed pipe ends the command quietly with status 141, what a shell
//! reports for a tool stopped by SIGPIPE; any other failure to write is reported on standard
//! error and ends it with status 3 (an I/O error). The service's banner does not stop the
//! service (`service::sayln!`).

use crate::i18n::Lang;
use std::fmt;
use std::io::{self, Write};
use std::sync::OnceLock;

/// The exit status when standard output's reader has gone (128 + SIGPIPE).
pub const EXIT_PIPE_CLOSED: i32 = 141;

/// The language the command runs in, for the one message this module writes.
static LANG: OnceLock<Lang> = OnceLock::new();

/// Sets the language of this module's message (once, when the command line is read);
/// returns it.
pub fn set_lang(lang: Lang) -> Lang {
    let _ = LANG.set(lang);
    lang
}

/// The language set by [`set_lang`] (Chinese before it is set).
pub fn lang() -> Lang {
    LANG.get().copied().unwrap_or(Lang::Zh)
}

/// A text in the command's language.
pub fn in_lang(t: &eseal_core::Text) -> &str {
    lang().t(&t.zh, &t.en)
}

/// Writes to standard output (see the module documentation).
pub fn write_out(args: fmt::Arguments<'_>) {
    let mut out = io::stdout().lock();
    if let Err(e) = out.write_fmt(args) {
        stop(&e);
    }
}

/// Writes to standard error; if that fails there is nowhere left to say so.
pub fn write_err(args: fmt::Arguments<'_>) {
    let _ = io::stderr().lock().write_fmt(args);
}

fn stop(e: &io::Error) -> ! {
    if e.kind() == io::ErrorKind::BrokenPipe {
        std::process::exit(EXIT_PIPE_CLOSED);
    }
    let reason = match lang() {
        Lang::Zh => format!("错误：无法写入标准输出：{}", eseal_core::error::io_zh(e)),
        Lang::En => format!("error: cannot write to standard output: {e}"),
    };
    write_err(format_args!("{reason}\n"));
    std::process::exit(3);
}

/// `println!` that ends the command quietly when the reader has gone.
macro_rules! outln {
    () => { $crate::stdout::write_out(format_args!("\n")) };
    ($($t:tt)*) => { $crate::stdout::write_out(format_args!("{}\n", format_args!($($t)*))) };
}

/// `eprintln!` that does not panic.
macro_rules! errln {
    () => { $crate::stdout::write_err(format_args!("\n")) };
    ($($t:tt)*) => { $crate::stdout::write_err(format_args!("{}\n", format_args!($($t)*))) };
}

/// `eprint!` that does not panic.
macro_rules! errout {
    ($($t:tt)*) => { $crate::stdout::write_err(format_args!($($t)*)) };
}
