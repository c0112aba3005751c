//! `:` commands, parsed into a [`Command`] for the app to run.

use crate::model::AccountStatus;
use crate::tui::keymap::Action;
use crate::tui::records::ViewId;

/// The commands as the `?` help lists them, next to the parser so that the two stay together.
pub const HELP: &[(&str, &str)] = &[
    (":accounts [open|closed]", "the account list"),
    (
        ":cases [FILTER]",
        "cases; also :contacts :leads :opps :tasks :invoices",
    ),
    (":dashboard", "counts, urgent records, the pipeline"),
    (
        ":ctx [NAME]",
        "the config's profiles; with a name, switch to it",
    ),
    (
        ":filter city=paris tags=a,b",
        "filter (name=, city=, industry=, tags=, status=)",
    ),
    (":clear", "clear every filter"),
    (
        ":export PATH.csv|PATH.json",
        "write the filtered list (every page); esc cancels",
    ),
    (":new  :edit  :comment  :mail", "as the keys"),
    (":q", "quit"),
];

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Command {
    /// An empty line.
    Nothing,
    Quit,
    /// `:accounts [open|closed|FILTER]`: the account list, focused.
    Accounts(ListArg),
    /// `:cases [FILTER]` and the other lists beyond accounts.
    View(ViewId, String),
    /// `:dashboard`.
    Dashboard,
    /// `:ctx [NAME]`: list the profiles, or switch to one.
    Ctx(Option<String>),
    /// `:open`, `:closed`: that tab of the list.
    Tab(AccountStatus),
    /// `:filter [EXPR]`: without an expression, the filter form.
    Filter(Option<String>),
    /// `:export PATH`: the filtered list to a file.
    Export(String),
    /// A command that does what a key does.
    Act(Action),
    Unknown(String),
}

/// What follows `:accounts`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ListArg {
    Tab(AccountStatus),
    Filter(String),
    Unknown(String),
}

pub fn parse(line: &str) -> Command {
    let mut parts = line.splitn(2, char::is_whitespace);
    let cmd = parts.next().unwrap_or("");
    let rest = parts.next().unwrap_or("").trim();
    match cmd {
        "" => Command::Nothing,
        "q" | "q!" | "quit" | "exit" => Command::Quit,
        "accounts" | "account" | "a" => Command::Accounts(match rest {
            "closed" => ListArg::Tab(AccountStatus::Closed),
            "open" | "" => ListArg::Tab(AccountStatus::Open),
            other if other.contains('=') => ListArg::Filter(other.to_string()),
            other => ListArg::Unknown(other.to_string()),
        }),
        "contacts" | "contact" | "co" => Command::View(ViewId::Contacts, rest.to_string()),
        "leads" | "lead" | "le" => Command::View(ViewId::Leads, rest.to_string()),
        "opps" | "opportunities" | "opp" | "deals" | "op" => {
            Command::View(ViewId::Opportunities, rest.to_string())
        }
        "cases" | "case" | "ca" => Command::View(ViewId::Cases, rest.to_string()),
        "tasks" | "task" | "ta" => Command::View(ViewId::Tasks, rest.to_string()),
        "invoices" | "invoice" | "inv" | "in" => Command::View(ViewId::Invoices, rest.to_string()),
        "dashboard" | "dash" | "d" => Command::Dashboard,
        "ctx" | "context" | "profile" => Command::Ctx((!rest.is_empty()).then(|| rest.to_string())),
        "open" => Command::Tab(AccountStatus::Open),
        "closed" => Command::Tab(AccountStatus::Closed),
        "filter" | "f" => Command::Filter((!rest.is_empty()).then(|| rest.to_string())),
        "clear" | "nofilter" => Command::Act(Action::ClearFilter),
        "help" | "h" => Command::Act(Action::Help),
        "refresh" | "r" | "reload" => Command::Act(Action::Refresh),
        "new" => Command::Act(Action::New),
        "edit" => Command::Act(Action::Edit),
        "comment" => Command::Act(Action::Comment),
        "mail" => Command::Act(Action::Mail),
        "delete" => Command::Act(Action::Delete),
        "signin" | "login" => Command::Act(Action::SignIn),
        "export" | "w" => Command::Export(rest.to_string()),
        other => Command::Unknown(other.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn commands_parse_into_what_they_do() {
        assert_eq!(parse(""), Command::Nothing);
        assert_eq!(parse("q!"), Command::Quit);
        assert_eq!(
            parse("accounts closed"),
            Command::Accounts(ListArg::Tab(AccountStatus::Closed))
        );
        assert_eq!(
            parse("a city=x"),
            Command::Accounts(ListArg::Filter("city=x".into()))
        );
        assert_eq!(
            parse("accounts bogus"),
            Command::Accounts(ListArg::Unknown("bogus".into()))
        );
        assert_eq!(parse("filter"), Command::Filter(None));
        assert_eq!(parse("f  acme "), Command::Filter(Some("acme".into())));
        assert_eq!(parse("reload"), Command::Act(Action::Refresh));
        assert_eq!(parse("nope"), Command::Unknown("nope".into()));
        assert_eq!(
            parse("cases priority=Urgent"),
            Command::View(ViewId::Cases, "priority=Urgent".into())
        );
        assert_eq!(
            parse("opps"),
            Command::View(ViewId::Opportunities, String::new())
        );
        assert_eq!(parse("dashboard"), Command::Dashboard);
    }
}
