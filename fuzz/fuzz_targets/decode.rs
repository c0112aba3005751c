//! Every decoder the client runs on a server's answer, on the fuzzer's bytes. The first byte
//! picks the status and content type the error path sees; the rest is the body. Any panic is a
//! finding (see README.md); an `Err` is the expected answer to garbage.
#![no_main]

use crmtui::client::error::from_failure;
use crmtui::client::{Tokens, decode, dialect, records};
use crmtui::model::record::Record;
use crmtui::model::{
    Account, AccountDetail, AccountList, Comment, CommentAdded, ContactList, LoginResponse,
    MailSent, Profile, RefreshResponse, TeamList, UserList,
};
use libfuzzer_sys::fuzz_target;
use serde_json::Value;
use uuid::Uuid;

const ACCOUNT: Uuid = Uuid::from_u128(0x1234);

fuzz_target!(|data: &[u8]| {
    let Some((&first, body)) = data.split_first() else {
        return;
    };
    let _ = dialect::account_list(body);
    let _ = dialect::account_detail(body);
    let _ = dialect::comment_added(body, ACCOUNT, Some("hello"), None);
    let _ = dialect::comment_added(body, ACCOUNT, None, Some("f.pdf"));
    let _ = dialect::bottle_mail_sent(body);
    let _ = dialect::bottle_profile(body, body);
    let _ = dialect::code_sign_in(body);
    let _ = dialect::tag_ids(body);
    let _ = decode::<LoginResponse>(body);
    let _ = decode::<RefreshResponse>(body);
    let _ = decode::<Profile>(body);
    let _ = decode::<MailSent>(body);
    let _ = decode::<CommentAdded>(body);
    let _ = decode::<AccountList>(body);
    let _ = decode::<AccountDetail>(body);
    let _ = decode::<ContactList>(body);
    let _ = decode::<UserList>(body);
    let _ = decode::<TeamList>(body);
    let _ = decode::<Vec<Record>>(body);
    let _ = decode::<crmtui::model::Dashboard>(body);
    for kind in crmtui::model::kinds::KINDS {
        for half in [records::Half::Open, records::Half::Closed] {
            let _ = records::page(kind, half, body);
        }
        let _ = records::detail(kind, body);
        let _ = records::saved(kind, body);
    }
    let _ = serde_json::from_slice::<Tokens>(body);
    let status = [400, 401, 403, 404, 413, 429, 500, 502][usize::from(first % 8)];
    let content_type =
        ["application/json", "text/html", "text/plain", ""][usize::from(first / 8 % 4)];
    let e = from_failure(status, content_type, body);
    assert!(!e.to_string().chars().any(char::is_control), "{e:?}");
    if let Ok(value) = serde_json::from_slice::<Value>(body) {
        let mut account = value.clone();
        dialect::normalize_account(&mut account);
        let _ = serde_json::from_value::<Account>(account);
        let _ = serde_json::from_value::<Comment>(value.clone());
        let mut related = value.clone();
        dialect::normalize_related(&mut related, ACCOUNT);
        if let Ok(r) = serde_json::from_value::<Record>(value) {
            let _ = r.id();
            for key in r.0.keys() {
                let _ = r.text(key);
            }
        }
    }
});
