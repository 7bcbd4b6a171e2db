"""get_file: file:// origins, the cache layout, md5/sha256 checks, archives, and the
one clear error when a file can be neither found nor fetched."""
import hashlib
import tarfile
import zipfile

import pytest

from keralite.utils import get_file
from keralite.utils.data_utils import DownloadError


def _source(tmp_path, name="blob.bin", payload=b"keralite data\n" * 50):
    path = tmp_path / "origin" / name
    path.parent.mkdir(exist_ok=True)
    path.write_bytes(payload)
    return path


def test_file_origin_lands_in_keras_home_datasets(keras_home, tmp_path):
    source = _source(tmp_path)
    path = get_file("blob.bin", origin=source.as_uri())
    assert path == str(keras_home / "blob.bin")
    assert open(path, "rb").read() == source.read_bytes()
    # a second call uses the cache even when the origin is gone
    source.unlink()
    assert get_file("blob.bin", origin=source.as_uri()) == path


def test_cache_dir_and_cache_subdir(tmp_path, keras_home):
    source = _source(tmp_path)
    path = get_file("blob.bin", source.as_uri(), cache_dir=str(tmp_path / "cache"), cache_subdir="models")
    assert path == str(tmp_path / "cache" / "models" / "blob.bin")
    absolute = tmp_path / "elsewhere"
    assert get_file("blob.bin", source.as_uri(), cache_subdir=str(absolute)) == str(absolute / "blob.bin")


@pytest.mark.parametrize("algorithm, explicit", [("md5", "md5"), ("sha256", "sha256"), ("md5", "auto"),
                                                 ("sha256", "auto")])
def test_good_hashes_are_accepted(keras_home, tmp_path, algorithm, explicit):
    source = _source(tmp_path)
    digest = hashlib.new(algorithm, source.read_bytes()).hexdigest()
    path = get_file("blob.bin", source.as_uri(), file_hash=digest, hash_algorithm=explicit)
    assert open(path, "rb").read() == source.read_bytes()


def test_legacy_md5_hash_argument(keras_home, tmp_path):
    source = _source(tmp_path)
    digest = hashlib.md5(source.read_bytes()).hexdigest()
    assert get_file("blob.bin", source.as_uri(), md5_hash=digest).endswith("blob.bin")


def test_bad_hash_of_the_fetched_file_is_an_error_and_leaves_nothing(keras_home, tmp_path):
    source = _source(tmp_path)
    with pytest.raises(ValueError, match="does not match the expected sha256 hash"):
        get_file("blob.bin", source.as_uri(), file_hash="0" * 64)
    with pytest.raises(ValueError, match="does not match the expected md5 hash"):
        get_file("blob.bin", source.as_uri(), file_hash="0" * 32)
    assert not (keras_home / "blob.bin").exists()


def test_outdated_cached_copy_is_fetched_again(keras_home, tmp_path, capsys):
    (keras_home / "blob.bin").write_bytes(b"old version")
    source = _source(tmp_path, payload=b"new version")
    digest = hashlib.sha256(b"new version").hexdigest()
    path = get_file("blob.bin", source.as_uri(), file_hash=digest)
    assert open(path, "rb").read() == b"new version"
    assert "file hash does not match the original value of " + digest in capsys.readouterr().out


def test_outdated_cached_copy_is_used_with_a_warning_when_offline(keras_home):
    (keras_home / "blob.bin").write_bytes(b"a copy placed by hand")
    with pytest.warns(UserWarning, match="Using the cached .*blob.bin although its hash does not match"):
        path = get_file("blob.bin", "https://example.com/blob.bin", file_hash="1" * 32)
    assert open(path, "rb").read() == b"a copy placed by hand"


def test_missing_file_offline_is_one_clear_error(keras_home):
    with pytest.raises(DownloadError) as raised:
        get_file("weights.h5", "https://example.com/files/weights.h5", cache_subdir="models")
    message = str(raised.value)
    assert message.startswith("URL fetch failure on https://example.com/files/weights.h5: -2 -- ")
    assert "offline" in message
    assert "place it at " + str(keras_home.parent / "models" / "weights.h5") in message
    assert not (keras_home.parent / "models" / "weights.h5").exists()


def test_missing_local_origin(keras_home, tmp_path):
    with pytest.raises(DownloadError, match="No such file: .*absent.bin. Place the file at"):
        get_file("absent.bin", (tmp_path / "absent.bin").as_uri())


def _make_tar_gz(tmp_path, name, folder):
    inner = tmp_path / "build" / folder
    inner.mkdir(parents=True)
    (inner / "a.txt").write_text("alpha")
    (inner / "sub").mkdir()
    (inner / "sub" / "b.txt").write_text("beta")
    archive = tmp_path / "origin" / name
    archive.parent.mkdir(exist_ok=True)
    with tarfile.open(archive, "w:gz") as tar:
        tar.add(inner, arcname=folder)
    return archive


def test_extract_tar_gz(keras_home, tmp_path):
    archive = _make_tar_gz(tmp_path, "pack.tar.gz", "pack")
    path = get_file("pack.tar.gz", archive.as_uri(), extract=True)
    assert path == str(keras_home / "pack.tar.gz")
    assert (keras_home / "pack" / "sub" / "b.txt").read_text() == "beta"


def test_extract_zip(keras_home, tmp_path):
    archive = tmp_path / "origin" / "pack.zip"
    archive.parent.mkdir()
    with zipfile.ZipFile(archive, "w") as zipped:
        zipped.writestr("zipped/c.txt", "gamma")
    digest = hashlib.md5(archive.read_bytes()).hexdigest()
    path = get_file("pack.zip", archive.as_uri(), file_hash=digest, extract=True)
    assert path == str(keras_home / "pack.zip")
    assert (keras_home / "zipped" / "c.txt").read_text() == "gamma"
    # extract=False leaves an archive packed
    get_file("other.zip", archive.as_uri(), cache_subdir="plain")
    assert not (keras_home.parent / "plain" / "zipped").exists()


def test_untar_returns_the_folder(keras_home, tmp_path):
    archive = _make_tar_gz(tmp_path, "legacy.tar.gz", "legacy")
    path = get_file("legacy", archive.as_uri(), untar=True)
    assert path == str(keras_home / "legacy")
    assert (keras_home / "legacy.tar.gz").exists()
    assert (keras_home / "legacy" / "a.txt").read_text() == "alpha"


def test_untar_uses_an_unpacked_folder_when_the_archive_cannot_be_fetched(keras_home):
    (keras_home / "unpacked").mkdir()
    with pytest.warns(UserWarning, match="Using the unpacked folder"):
        assert get_file("unpacked", "https://example.com/unpacked.tar.gz", untar=True) == \
            str(keras_home / "unpacked")
