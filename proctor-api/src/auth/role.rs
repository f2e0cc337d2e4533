//! The roles of the platform. A role is a set of permissions fixed in code; which routes a
//! role may call is declared by the extractor in each handler's signature.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    /// System administrator.
    Admin,
    /// Exam-affairs staff (考务人员).
    Staff,
    /// Examiner (考评员).
    Examiner,
    /// Invigilator (监考员).
    Invigilator,
    /// Supervisor / patrol (督导/巡考).
    Supervisor,
    /// Candidate (考生).
    Candidate,
    /// Provincial supervision platform account (省平台账号): read-only, scoped.
    Province,
}

impl Role {
    pub const ALL: [Role; 7] = [
        Role::Admin,
        Role::Staff,
        Role::Examiner,
        Role::Invigilator,
        Role::Supervisor,
        Role::Candidate,
        Role::Province,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::Staff => "staff",
            Role::Examiner => "examiner",
            Role::Invigilator => "invigilator",
            Role::Supervisor => "supervisor",
            Role::Candidate => "candidate",
            Role::Province => "province",
        }
    }

    pub fn parse(s: &str) -> Option<Role> {
        Role::ALL.into_iter().find(|r| r.as_str() == s)
    }
}
