"""A product's media gallery as a Magento client uses it: an image posted as base64 is stored under the media
directory at Magento's dispersion path; entries are read, updated (roles move) and deleted."""

from __future__ import annotations

import base64
from pathlib import Path

import pytest

from tests.integration.api.harness import Harness

BASE = "/rest/V1/products"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + bytes(17)
JPEG = b"\xff\xd8\xff\xe0" + bytes(20)


@pytest.fixture(autouse=True)
def media_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "media"
    monkeypatch.setenv("CONVEYOR_MEDIA_DIR", str(folder))
    return folder


def entry(name: str, data: bytes, mime: str, **fields: object) -> dict[str, object]:
    content = {"base64_encoded_data": base64.b64encode(data).decode(), "type": mime, "name": name}
    return {
        "entry": {
            "media_type": "image",
            "label": name,
            "position": 1,
            "disabled": False,
            "types": [],
            **fields,
            "content": content,
        }
    }


def test_images_are_stored_and_entries_read_updated_and_deleted(api: Harness, media_dir: Path) -> None:
    assert api.send("POST", BASE, {"product": {"sku": "M-1", "name": "M", "price": 1}}).status_code == 200
    first = api.send("POST", f"{BASE}/M-1/media", entry("Front View.png", PNG, "image/png", types=["image"]))
    assert first.status_code == 200, first.text
    first_id = first.json()
    assert isinstance(first_id, int)
    second = api.send("POST", f"{BASE}/M-1/media", entry("front view", JPEG, "image/jpeg", position=2))
    assert second.status_code == 200, second.text
    again = api.send("POST", f"{BASE}/M-1/media", entry("Front View.png", PNG, "image/png", position=3))
    assert again.status_code == 200, again.text

    assert (media_dir / "f/r/front_view.png").read_bytes() == PNG
    assert (media_dir / "f/r/front_view.jpg").read_bytes() == JPEG
    assert (media_dir / "f/r/front_view_1.png").is_file()  # a name taken is renamed as Magento's uploader does

    listed = api.get(f"{BASE}/M-1/media")
    assert listed.status_code == 200, listed.text
    assert [e["file"] for e in listed.json()] == ["/f/r/front_view.png", "/f/r/front_view.jpg", "/f/r/front_view_1.png"]
    one = api.get(f"{BASE}/M-1/media/{first_id}")
    assert one.json() == {
        "id": first_id,
        "media_type": "image",
        "label": "Front View.png",
        "position": 1,
        "disabled": False,
        "types": ["image"],
        "file": "/f/r/front_view.png",
    }
    assert api.get(f"{BASE}/M-1").json()["media_gallery_entries"] == listed.json()

    second_id = second.json()
    moved = api.send(
        "PUT",
        f"{BASE}/M-1/media/{second_id}",
        {"entry": {"id": second_id, "label": "Back", "position": 0, "types": ["image", "thumbnail"], "disabled": True}},
    )
    assert (moved.status_code, moved.json()) == (200, True)
    entries = {e["id"]: e for e in api.get(f"{BASE}/M-1/media").json()}
    assert entries[second_id]["types"] == ["image", "thumbnail"] and entries[second_id]["label"] == "Back"
    assert entries[second_id]["file"] == "/f/r/front_view.jpg" and entries[second_id]["disabled"] is True
    assert entries[first_id]["types"] == []  # the role moved

    assert api.send("DELETE", f"{BASE}/M-1/media/{first_id}").json() is True
    assert first_id not in {e["id"] for e in api.get(f"{BASE}/M-1/media").json()}
    for method in ("DELETE", "PUT"):
        gone = api.send(method, f"{BASE}/M-1/media/{first_id}", {"entry": {"file": "/x.png"}})
        assert gone.status_code == 404
        assert gone.json()["message"] == "No image with the provided ID was found. Verify the ID and try again."
    missing = api.get(f"{BASE}/M-1/media/{first_id}")
    assert missing.status_code == 404
    assert missing.json()["message"] == "The image doesn't exist. Verify and try again."


def test_bad_images_are_refused_with_magentos_messages(api: Harness, media_dir: Path) -> None:
    assert api.send("POST", BASE, {"product": {"sku": "M-2", "name": "M", "price": 1}}).status_code == 200
    cases = [
        (entry("a.png", JPEG, "image/png"), "The image MIME type is not valid or not supported."),
        (entry("a.txt", b"plain text", "text/plain"), "The image content must be valid base64 encoded data."),
        (entry("a<b>.png", PNG, "image/png"), "Provided image name contains forbidden characters."),
        (
            {"entry": {"media_type": "image", "types": [], "file": "/a/b/c.png"}},
            "The image content is invalid. Verify the content and try again.",
        ),
    ]
    for body, message in cases:
        refused = api.send("POST", f"{BASE}/M-2/media", body)
        assert refused.status_code == 400, refused.text
        assert refused.json()["message"] == message
    not_base64 = entry("a.png", PNG, "image/png")
    not_base64["entry"]["content"]["base64_encoded_data"] = "***"  # type: ignore[index]
    assert api.send("POST", f"{BASE}/M-2/media", not_base64).json()["message"] == (
        "The image content must be valid base64 encoded data."
    )
    assert api.get(f"{BASE}/M-2/media").json() == []
    assert not media_dir.exists() or not any(media_dir.rglob("*.*"))
    no_product = api.send("POST", f"{BASE}/NOPE/media", entry("a.png", PNG, "image/png"))
    assert no_product.status_code == 404


def test_a_product_payload_may_post_its_images(api: Harness, media_dir: Path) -> None:
    posted = entry("Side.png", PNG, "image/png", types=["image", "small_image"])["entry"]
    saved = api.send(
        "POST", BASE, {"product": {"sku": "M-3", "name": "M3", "price": 1, "media_gallery_entries": [posted]}}
    )
    assert saved.status_code == 200, saved.text
    (stored,) = saved.json()["media_gallery_entries"]
    assert (stored["file"], stored["types"]) == ("/s/i/side.png", ["image", "small_image"])
    assert "content" not in stored and (media_dir / "s/i/side.png").read_bytes() == PNG
    kept = api.send("PUT", f"{BASE}/M-3", {"product": {"media_gallery_entries": [stored]}})
    assert kept.json()["media_gallery_entries"] == [stored]
    neither = api.send("PUT", f"{BASE}/M-3", {"product": {"media_gallery_entries": [{"label": "x"}]}})
    assert neither.status_code == 400
    assert neither.json()["message"] == "The image content is invalid. Verify the content and try again."
    # an entry with neither an image nor a stored file (nor an empty one) is invalid in the document too
    for bare in ({"label": "x"}, {"label": "x", "file": ""}, {"label": "x", "file": None, "content": None}):
        product = {"product": {"sku": "M-3", "name": "M3", "media_gallery_entries": [bare]}}
        assert api.send("POST", BASE, product).status_code == 400
        assert not api.documented("POST", BASE, product), bare
        assert not api.documented("PUT", f"{BASE}/{{sku}}", product), bare
    assert api.documented("POST", BASE, {"product": {"sku": "M-3", "name": "M3", "media_gallery_entries": [stored]}})
