//! SQL for the one-row `org_profile` table.

use sqlx::FromRow;

use super::{OrgProfile, OrgProfileInput};
use crate::db::{self, Db};

#[derive(FromRow)]
struct Row {
    name: String,
    accreditation_no: String,
    address: String,
    contact_phone: String,
    contact_email: String,
    website: String,
    introduction: String,
    updated_at: String,
}

/// The profile; an empty one until staff first save it.
pub async fn get(db: &Db) -> sqlx::Result<OrgProfile> {
    let row: Option<Row> = sqlx::query_as(
        "SELECT name, accreditation_no, address, contact_phone, contact_email, website, \
         introduction, updated_at FROM org_profile WHERE org_profile_id = 1",
    )
    .fetch_optional(&db.pool)
    .await?;
    Ok(match row {
        Some(r) => OrgProfile {
            fields: OrgProfileInput {
                name: r.name,
                accreditation_no: r.accreditation_no,
                address: r.address,
                contact_phone: r.contact_phone,
                contact_email: r.contact_email,
                website: r.website,
                introduction: r.introduction,
            },
            updated_at: Some(r.updated_at),
        },
        None => OrgProfile {
            fields: OrgProfileInput {
                name: String::new(),
                accreditation_no: String::new(),
                address: String::new(),
                contact_phone: String::new(),
                contact_email: String::new(),
                website: String::new(),
                introduction: String::new(),
            },
            updated_at: None,
        },
    })
}

pub async fn put(db: &Db, p: &OrgProfileInput, by: i64) -> sqlx::Result<()> {
    sqlx::query(
        "INSERT INTO org_profile (org_profile_id, name, accreditation_no, address, contact_phone, \
         contact_email, website, introduction, updated_at, updated_by) \
         VALUES (1, $1, $2, $3, $4, $5, $6, $7, $8, $9) \
         ON CONFLICT (org_profile_id) DO UPDATE SET name = excluded.name, \
         accreditation_no = excluded.accreditation_no, address = excluded.address, \
         contact_phone = excluded.contact_phone, contact_email = excluded.contact_email, \
         website = excluded.website, introduction = excluded.introduction, \
         updated_at = excluded.updated_at, updated_by = excluded.updated_by",
    )
    .bind(&p.name)
    .bind(&p.accreditation_no)
    .bind(&p.address)
    .bind(&p.contact_phone)
    .bind(&p.contact_email)
    .bind(&p.website)
    .bind(&p.introduction)
    .bind(db::now())
    .bind(by)
    .execute(&db.pool)
    .await
    .map(|_| ())
}
