//! Attachments: upload checks, safe names, protected downloads.

use axum::http::StatusCode;
use ztc_domain::achievement::Status;
use ztc_store::achievements;

use crate::support::TestApp;

const PDF: &[u8] =
    b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj << /Type /Catalog >> endobj\ntrailer\n%%EOF\n";
const PNG: &[u8] = &[
    0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A, 0, 0, 0, 13, b'I', b'H', b'D', b'R', 0, 0, 0,
    1, 0, 0, 0, 1, 8, 2, 0, 0, 0,
];

#[tokio::test]
async fn uploads_are_checked_and_documents_protected() {
    let app = TestApp::new().await;
    let mut holder = app.login("holder").await;
    let r = holder
        .post(
            "/achievements",
            &[
                ("title", "带附件的成果"),
                ("action", "save"),
                ("create_key", "att-1"),
            ],
        )
        .await;
    let id = r
        .location()
        .trim_start_matches("/achievements/")
        .trim_end_matches("/edit?done=saved")
        .to_owned();
    let up = format!("/achievements/{id}/attachments");

    let ok = holder
        .post_multipart(
            &up,
            &[("file", Some("../../etc/检测报告.PDF"), PDF.to_vec())],
        )
        .await;
    assert_eq!(
        ok.location(),
        format!("/achievements/{id}/edit#attachments")
    );
    let img = holder
        .post_multipart(
            &up,
            &[
                ("file", Some("样机照片.png"), PNG.to_vec()),
                ("public", None, b"on".to_vec()),
            ],
        )
        .await;
    assert_eq!(img.status, StatusCode::SEE_OTHER);
    let exe = holder
        .post_multipart(
            &up,
            &[(
                "file",
                Some("report.pdf"),
                b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\xff\xff".to_vec(),
            )],
        )
        .await;
    assert!(exe.location().contains("attach_error=file_type"));
    assert!(
        holder
            .get(exe.location())
            .await
            .body
            .contains("按文件内容判断")
    );
    let huge = holder
        .post_multipart(
            &up,
            &[("file", Some("big.pdf"), vec![b'%'; 25 * 1024 * 1024])],
        )
        .await;
    assert!(
        huge.location().contains("attach_error=file_too_large"),
        "{:?}",
        huge.status
    );
    let empty = holder
        .post_multipart(&up, &[("public", None, b"on".to_vec())])
        .await;
    assert!(empty.location().contains("attach_error=file_empty"));
    let forged = holder
        .post_multipart(
            &format!("{up}?csrf=forged"),
            &[("file", Some("a.pdf"), PDF.to_vec())],
        )
        .await;
    assert_eq!(
        forged.status,
        StatusCode::FORBIDDEN,
        "the form's token is required"
    );
    let video = holder
        .post(
            &format!("/achievements/{id}/videos"),
            &[
                ("name", "演示视频"),
                ("url", "https://video.example.cn/v/123"),
            ],
        )
        .await;
    assert_eq!(video.status, StatusCode::SEE_OTHER);
    assert!(
        holder
            .post(
                &format!("/achievements/{id}/videos"),
                &[("url", "javascript:alert(1)")]
            )
            .await
            .location()
            .contains("url_invalid")
    );

    let files = ztc_store::attachments::list(&app.db.store, &id)
        .await
        .unwrap();
    assert_eq!(
        files.len(),
        3,
        "the PDF, the image and the video link; nothing of the refused uploads"
    );
    let pdf = files
        .iter()
        .find(|f| f.name == "检测报告.pdf")
        .expect("safe name");
    let png = files.iter().find(|f| f.name == "样机照片.png").unwrap();
    assert!(png.is_public && !pdf.is_public);
    assert_eq!(pdf.content_type.as_deref(), Some("application/pdf"));
    assert!(
        app.dir
            .path()
            .join("files")
            .join(pdf.object_key.as_deref().unwrap())
            .exists()
    );
    assert_eq!(
        app.login("enterprise")
            .await
            .post_multipart(&up, &[("file", Some("x.pdf"), PDF.to_vec())])
            .await
            .status,
        StatusCode::FORBIDDEN
    );

    // Published: the image is public, the document is for the verified demand side.
    let s = &app.db.store;
    let mut a = achievements::get(s, &id).await.unwrap().unwrap();
    for to in [
        Status::Submitted,
        Status::UnderReview,
        Status::InEvaluation,
        Status::Published,
    ] {
        a = achievements::set_status(s, &ztc_store::Ctx::system("test"), &a, to, None)
            .await
            .unwrap();
    }
    let mut anon = app.client();
    let page = anon.get(&format!("/achievements/{id}")).await;
    assert!(page.body.contains("样机照片.png") && !page.body.contains("检测报告.pdf"));
    assert!(page.body.contains("data-testid=\"hidden-files\""));
    let pic = anon.get(&format!("/attachments/{}", png.id)).await;
    assert_eq!(
        (
            pic.status,
            pic.headers.get("content-type").unwrap().to_str().unwrap()
        ),
        (StatusCode::OK, "image/png")
    );
    assert!(
        anon.get(&format!("/attachments/{}", pdf.id))
            .await
            .location()
            .starts_with("/login?next=")
    );
    assert_eq!(
        app.login("expert")
            .await
            .get(&format!("/attachments/{}", pdf.id))
            .await
            .status,
        StatusCode::FORBIDDEN
    );
    let mut ent = app.login("enterprise").await;
    let doc = ent.get(&format!("/attachments/{}", pdf.id)).await;
    assert_eq!(doc.status, StatusCode::OK);
    assert!(
        doc.headers
            .get("content-disposition")
            .unwrap()
            .to_str()
            .unwrap()
            .starts_with("attachment; filename*=UTF-8''")
    );
    assert_eq!(
        doc.headers.get("cache-control").unwrap(),
        "private, no-store"
    );
    assert!(doc.body.starts_with("%PDF"));
    let audit = ztc_store::audit::list(
        s,
        &ztc_store::audit::Filter {
            object_id: Some(id.clone()),
            actor: Some("enterprise".into()),
            ..Default::default()
        },
        1,
        10,
    )
    .await
    .unwrap();
    assert!(
        audit
            .items
            .iter()
            .any(|r| r.action == "achievement.download")
    );

    // Removing deletes the record and the file.
    let del = holder
        .post(&format!("/attachments/{}/delete", pdf.id), &[])
        .await;
    assert_eq!(del.status, StatusCode::SEE_OTHER);
    assert!(
        ztc_store::attachments::get(s, &pdf.id)
            .await
            .unwrap()
            .is_none()
    );
    assert!(
        !app.dir
            .path()
            .join("files")
            .join(pdf.object_key.as_deref().unwrap())
            .exists()
    );
    assert_eq!(
        ent.get(&format!("/attachments/{}", pdf.id)).await.status,
        StatusCode::NOT_FOUND
    );
}
