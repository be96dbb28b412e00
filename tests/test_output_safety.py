"""The output folder under attack and under accident (issue 11, "Output").

A planted manifest never names a path outside the site; a link planted inside
the site is never written through; a build killed at any step leaves a whole
site (old or new) at the output path and the next build cleans up after it;
a full disk ends in one clear line and leaves nothing that blocks the next
build. Kills are real: the build runs in a forked child that ends itself with
``os._exit`` just before its k-th filesystem change, for every k.
"""

from __future__ import annotations

import errno
import hashlib
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

import archive.outfs as outfs
from archive.build import build
from archive.errors import ArchiveError
from archive.output import MANIFEST, MANIFEST_HEADER, read_manifest, write_site

REPO = Path(__file__).resolve().parent.parent


def tree(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def site_files(folder: Path) -> dict[str, bytes]:
    return {k: v for k, v in tree(folder).items() if k != MANIFEST}


def beside(parent: Path, name: str = "site") -> list[str]:
    return sorted(p.name for p in parent.iterdir() if p.name.startswith(f".{name}."))


def temps(folder: Path) -> list[str]:
    return sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.name.endswith(".archive-new"))


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def site_of(n: int, tag: str, dirs: int = 3) -> dict[str, bytes]:
    return {f"d{i % dirs}/page{i}.html": f"<p>{tag} {i}</p>\n".encode() for i in range(n)} | {
        "index.html": f"<h1>{tag}</h1>\n".encode()}


@pytest.fixture
def place(tmp_path: Path) -> tuple[Path, Path, Path]:
    """(project, source, out) with an empty source folder beside the output."""
    (tmp_path / "interview").mkdir()
    return tmp_path, tmp_path / "interview", tmp_path / "site"


# --- the manifest is data ------------------------------------------------------------


@pytest.mark.parametrize("line", [
    "../../elsewhere/a.txt", "../elsewhere", "{outside}/victim.txt", "d0/../../elsewhere/a.txt",
    "d0\\..\\..\\x", "./index.html", "d0//page0.html", "d0/", "a\x00b", ".archive-site",
])
def test_a_planted_manifest_line_refuses_the_folder_and_deletes_nothing(place, line):
    project, source, out = place
    outside = project.parent / f"elsewhere-{project.name}"
    (outside).mkdir()
    (outside / "a.txt").write_text("keep\n", encoding="utf-8")
    (outside / "victim.txt").write_text("keep\n", encoding="utf-8")
    (project / "elsewhere").mkdir()
    (project / "elsewhere" / "a.txt").write_text("keep\n", encoding="utf-8")
    write_site(site_of(4, "one"), out, source, project)
    line = line.format(outside=outside)
    with open(out / MANIFEST, "a", encoding="utf-8") as manifest:
        manifest.write(f"{sha(b'x')}  {line}\n")
    before, around = tree(out), tree(project.parent)
    number = len(site_of(4, "one")) + 2
    for files in (site_of(4, "one"), site_of(4, "two"), site_of(40, "three")):  # as before, in place, restaged
        with pytest.raises(ArchiveError, match=rf"line {number} of its \.archive-site .*is not a hash and a plain"):
            write_site(files, out, source, project)
    assert tree(out) == before and tree(project.parent) == around


def test_a_planted_line_in_a_built_site_is_refused_by_build_and_the_files_named_survive(tmp_path):
    project = tmp_path / "proj"
    shutil.copytree(REPO / "interview", project / "interview")
    shutil.copytree(REPO / "templates", project / "templates")
    build(project / "interview", project / "site")
    victims = [tmp_path / "elsewhere" / "a.txt", tmp_path / "absolute.txt"]
    victims[0].parent.mkdir()
    for victim in victims:
        victim.write_text("not the site's\n", encoding="utf-8")
    with open(project / "site" / MANIFEST, "a", encoding="utf-8") as manifest:
        manifest.write(f"{sha(b'a')}  ../../elsewhere/a.txt\n{sha(b'b')}  {victims[1]}\n")
    env = dict(os.environ, PYTHONPATH=str(REPO / "src"))
    result = subprocess.run([sys.executable, "-m", "archive", "build"], cwd=project, env=env,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert result.stderr.startswith("archive: refusing to use ") and "'" in result.stderr
    assert "../../elsewhere/a.txt" in result.stderr
    assert all(v.read_text(encoding="utf-8") == "not the site's\n" for v in victims)


def test_a_manifest_read_through_a_link_is_not_ours(place):
    project, source, out = place
    write_site(site_of(3, "one"), out, source, project)
    elsewhere = project / "other-manifest"
    elsewhere.write_bytes((out / MANIFEST).read_bytes())
    (out / MANIFEST).unlink()
    (out / MANIFEST).symlink_to(elsewhere)
    assert read_manifest(out) is None
    with pytest.raises(ArchiveError, match="not empty and archive did not create it"):
        write_site(site_of(3, "two"), out, source, project)
    assert elsewhere.read_bytes().startswith(MANIFEST_HEADER.encode())


# --- links planted inside the site --------------------------------------------------------


@pytest.mark.parametrize("files", ["in place", "restaged"])
def test_a_linked_folder_inside_the_site_is_never_written_through(place, files):
    project, source, out = place
    first = site_of(30, "one")
    write_site(first, out, source, project)
    outside = project / "outside"
    outside.mkdir()
    (outside / "page0.html").write_text("theirs\n", encoding="utf-8")
    shutil.rmtree(out / "d0")
    (out / "d0").symlink_to(outside, target_is_directory=True)
    second = dict(first, **{"d0/page0.html": b"<p>changed</p>\n"}) if files == "in place" else site_of(30, "two")
    with pytest.raises(ArchiveError, match=r"symbolic link or special file archive did not make \(d0\)"):
        write_site(second, out, source, project)
    assert tree(outside) == {"page0.html": b"theirs\n"}
    assert (out / "d0").is_symlink() and beside(project) == []


def test_a_linked_file_inside_the_site_is_never_written_through(place):
    project, source, out = place
    first = site_of(30, "one")
    write_site(first, out, source, project)
    secret = project / "secret.txt"
    secret.write_text("private\n", encoding="utf-8")
    (out / "index.html").unlink()
    (out / "index.html").symlink_to(secret)
    with pytest.raises(ArchiveError, match=r"symbolic link .*\(index.html\)"):
        write_site(dict(first, **{"index.html": b"<h1>new</h1>\n"}), out, source, project)
    assert secret.read_text(encoding="utf-8") == "private\n"


def test_an_in_place_write_racing_a_planted_link_fails_instead_of_following_it(place, monkeypatch):
    """The scan is the first guard; the writes themselves open every folder with O_NOFOLLOW."""
    import archive.output as output

    project, source, out = place
    first = site_of(30, "one")
    write_site(first, out, source, project)
    outside = project / "outside"
    shutil.copytree(out / "d1", outside)  # the same files, so only d1/page1.html is to change
    monkeypatch.setattr(output, "_site_leftovers", lambda *args: [])  # the link appears after the scan
    shutil.rmtree(out / "d1")
    (out / "d1").symlink_to(outside, target_is_directory=True)
    before = tree(outside)
    with pytest.raises(ArchiveError, match=r"cannot write .*d1/page1.html: (Not a directory|Too many levels of symbolic links); a "
                                           r"symbolic link or a file stands where the site needs a folder"):
        write_site(dict(first, **{"d1/page1.html": b"<p>x</p>\n"}), out, source, project)
    assert tree(outside) == before and temps(out) == []


# --- a kill at every step ---------------------------------------------------------------------

MUTATIONS = ("rename", "replace", "unlink", "rmdir", "mkdir", "link", "write", "chmod", "symlink")


def _killed_at(step: int, files: dict[str, bytes], out: Path, source: Path, project: Path,
               exchange: bool = True) -> bool:
    """Run write_site in a child that dies just before its ``step``-th filesystem change; True if it died."""
    pid = os.fork()
    if pid == 0:  # the child: count changes, die at the chosen one, never return to pytest
        code = 3
        try:
            count = 0

            def counted(real):
                def call(*args, **kwargs):
                    nonlocal count
                    count += 1
                    if count == step:
                        os._exit(9)
                    return real(*args, **kwargs)
                return call

            for name in MUTATIONS:
                setattr(os, name, counted(getattr(os, name)))
            real_open = os.open
            creating = counted(real_open)
            os.open = lambda path, flags, *a, **k: (creating if flags & os.O_CREAT else real_open)(path, flags, *a, **k)
            outfs.exchange = counted(outfs.exchange) if exchange else (lambda first, second: False)
            write_site(files, out, source, project)
            code = 0
        finally:
            os._exit(code)
    _, status = os.waitpid(pid, 0)
    assert os.WIFEXITED(status) and os.WEXITSTATUS(status) in (0, 9), status
    return os.WEXITSTATUS(status) == 9


def _every_kill(place, old: dict[str, bytes], new: dict[str, bytes], check, exchange: bool = True) -> int:
    project, source, out = place
    step = 0
    while True:
        step += 1
        if out.exists():
            shutil.rmtree(out)
        for name in beside(project):
            shutil.rmtree(project / name)
        write_site(old, out, source, project)
        if not _killed_at(step, new, out, source, project, exchange):
            assert site_files(out) == new
            return step
        check(step, out)
        write_site(new, out, source, project)  # the next build repairs and cleans up
        assert site_files(out) == new and beside(project) == [] and temps(out) == [], step
        assert sorted(read_manifest(out)) == sorted(new)


def test_a_kill_at_any_step_of_a_restage_leaves_a_whole_old_or_new_site(place):
    old, new = site_of(6, "old"), site_of(7, "new")

    def check(step: int, out: Path) -> None:
        assert site_files(out) in (old, new), f"killed before change {step}: {sorted(site_files(out))}"
        assert read_manifest(out) is not None

    steps = _every_kill(place, old, new, check)
    assert steps > 20  # the kill really visited every step: folders, files, manifest, exchange, removal


def test_a_kill_at_any_step_of_an_in_place_update_leaves_every_file_whole(place):
    old = site_of(40, "same")
    new = dict(old, **{"d0/page0.html": b"<p>new</p>\n", "d9/added.html": b"<p>added</p>\n"})
    del new["d1/page1.html"]

    def check(step: int, out: Path) -> None:
        now = site_files(out)
        for rel, data in now.items():
            assert rel.endswith(".archive-new") or data in (old.get(rel), new.get(rel)), (step, rel)
        assert all(rel in now for rel in set(old) & set(new)), step  # nothing both builds share is missing
        assert read_manifest(out) is not None

    assert _every_kill(place, old, new, check) > 8


def test_without_the_exchange_a_kill_between_the_renames_is_repaired_by_the_next_build(place):
    """Where renameat2 is missing, two renames: the old site waits in .site.old-* and the next build cleans it."""
    old, new = site_of(6, "old"), site_of(7, "new")
    missing = []

    def check(step: int, out: Path) -> None:
        if out.exists():
            assert site_files(out) in (old, new)
        else:
            missing.append(step)
            kept = [p for p in beside(out.parent) if ".old-" in p]
            assert len(kept) == 1 and site_files(out.parent / kept[0]) == old

    _every_kill(place, old, new, check, exchange=False)
    assert len(missing) == 1  # exactly the instant between the two renames


def test_leftovers_of_killed_builds_that_are_ours_are_cleaned_and_others_kept(place):
    project, source, out = place
    write_site(site_of(5, "old"), out, source, project)
    for name in (".site.staging-k1ll3d00", ".site.old-k1ll3d01"):
        shutil.copytree(out, project / name)
    (project / ".site.staging-empty000").mkdir()
    foreign = project / ".site.staging-n0tours0"
    foreign.mkdir()
    (foreign / "notes.txt").write_text("mine\n", encoding="utf-8")
    (out / "d0" / ".page0.html.archive-new").write_bytes(b"half")
    (out / f".{MANIFEST}.archive-new").write_bytes(b"half")
    (out / "d7").mkdir()
    (out / "d7" / ".page7.html.archive-new").write_bytes(b"half")  # a new file of a killed in-place write
    write_site(dict(site_of(5, "old"), **{"d7/page7.html": b"seven"}), out, source, project)
    assert beside(project) == [".site.staging-n0tours0"] and tree(foreign) == {"notes.txt": b"mine\n"}
    assert temps(out) == [] and site_files(out)["d7/page7.html"] == b"seven"


def test_a_temporary_name_beside_a_file_that_is_not_ours_still_counts_as_foreign(place):
    project, source, out = place
    write_site(site_of(5, "old"), out, source, project)
    (out / "d0" / ".mine.txt.archive-new").write_bytes(b"someone's")
    with pytest.raises(ArchiveError, match=r"holds files archive did not write \(d0/\.mine\.txt\.archive-new\)"):
        write_site(site_of(5, "new"), out, source, project)


# --- failing writes ----------------------------------------------------------------------


@pytest.mark.parametrize("new", ["in place", "restaged"])
@pytest.mark.parametrize("fail_at", [1, 2, 3])
def test_a_full_disk_ends_in_one_line_and_blocks_nothing(place, monkeypatch, new, fail_at):
    project, source, out = place
    old = site_of(30, "old")
    write_site(old, out, source, project)
    files = dict(old, **{"d0/page0.html": b"x", "d5/new.html": b"y"}) if new == "in place" else site_of(30, "new")
    real_write, calls = os.write, []

    def full(fd, data):
        calls.append(fd)
        if len(calls) >= fail_at:
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        return real_write(fd, data)

    monkeypatch.setattr(os, "write", full)
    with pytest.raises(ArchiveError) as info:
        write_site(files, out, source, project)
    monkeypatch.setattr(os, "write", real_write)
    message = str(info.value)
    assert message.startswith(f"cannot write {out}/") and "\n" not in message
    assert "No space left on device; free some disk space (or raise the quota) and build again; " \
           "the previous site is untouched" in message
    assert site_files(out) == old and temps(out) == [] and beside(project) == [] and not (out / "d5").exists()
    write_site(files, out, source, project)
    assert site_files(out) == files


def test_a_refused_permission_names_the_path_and_the_fix(place, monkeypatch):
    project, source, out = place
    write_site(site_of(3, "old"), out, source, project)
    real_open = os.open

    def denied(path, flags, *args, **kwargs):
        if flags & os.O_CREAT:
            raise PermissionError(errno.EACCES, os.strerror(errno.EACCES), path)
        return real_open(path, flags, *args, **kwargs)

    monkeypatch.setattr(os, "open", denied)
    with pytest.raises(ArchiveError, match=r"cannot write .*: Permission denied; make the folder writable"):
        write_site(site_of(3, "new"), out, source, project)
    monkeypatch.setattr(os, "open", real_open)
    assert site_files(out) == site_of(3, "old") and beside(project) == []


def test_the_cli_prints_a_full_disk_as_one_line_and_exits_2(tmp_path):
    project = tmp_path / "proj"
    shutil.copytree(REPO / "interview", project / "interview")
    shutil.copytree(REPO / "templates", project / "templates")
    program = (
        "import errno, os, sys\n"
        "real = os.write\n"
        "def full(fd, data):\n"
        "    if fd > 2: raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))\n"
        "    return real(fd, data)\n"
        "os.write = full\n"
        "from archive.cli import main\n"
        "sys.exit(main(['build', '--no-cache', '--quiet', '--no-search']))\n")  # Pagefind talks over pipes, which this os.write fails too
    env = dict(os.environ, PYTHONPATH=str(REPO / "src"))
    result = subprocess.run([sys.executable, "-c", program], cwd=project, env=env, capture_output=True,
                            text=True, timeout=120)
    assert result.returncode == 2, result.stderr
    assert len(result.stderr.strip().splitlines()) == 1 and "Traceback" not in result.stderr
    assert result.stderr.startswith(f"archive: cannot write {project}/site/")
    assert "No space left on device; free some disk space" in result.stderr
    assert not (project / "site").exists() and beside(project) == []


def test_a_real_full_tmpfs_leaves_the_old_site_and_nothing_else(tmp_path):
    """Needs root to mount a 512 KiB tmpfs (CI runs as root); skipped only when not root."""
    if os.geteuid() != 0:
        pytest.skip("needs root to mount a tmpfs (CI runs as root)")
    disk = tmp_path / "disk"
    disk.mkdir()
    subprocess.run(["mount", "-t", "tmpfs", "-o", "size=512k", "tmpfs", str(disk)], check=True)
    try:
        (disk / "interview").mkdir()
        out = disk / "site"
        small = site_of(20, "small")
        write_site(small, out, disk / "interview", disk)
        free = shutil.disk_usage(disk).free
        big = {f"d{i}/big.bin": os.urandom(200_000) for i in range(4)}  # 800 KB: more than the disk holds
        with pytest.raises(ArchiveError, match=r"No space left on device; free some disk space"):
            write_site(big, out, disk / "interview", disk)
        assert site_files(out) == small and beside(disk) == [] and temps(out) == []
        assert shutil.disk_usage(disk).free == free  # every byte written was given back
        with pytest.raises(ArchiveError, match=r"No space left on device"):
            write_site(dict(small, **{"d0/page0.html": os.urandom(600_000)}), out, disk / "interview", disk)
        assert site_files(out) == small and temps(out) == []
        write_site(site_of(21, "fits"), out, disk / "interview", disk)
        assert site_files(out) == site_of(21, "fits")
    finally:
        subprocess.run(["umount", str(disk)], check=True)


def test_a_staged_write_makes_and_opens_each_folder_once(place, monkeypatch):
    """Files are placed in sorted order, each folder made and opened once for all of its files (not
    once per file and path part), and the site is the files given."""
    project, source, out = place
    files = {f"z/d{i % 4}/e{i % 2}/page{i}.html": f"<p>{i}</p>\n".encode() for i in range(40)} | site_of(12, "x")
    opened: list[str] = []
    real_open = os.open

    def counting(path, flags, *args, **kwargs):
        if flags & os.O_DIRECTORY:
            opened.append(str(path))
        return real_open(path, flags, *args, **kwargs)

    monkeypatch.setattr(os, "open", counting)
    write_site(files, out, source, project)
    monkeypatch.undo()
    folders = {rel.rsplit("/", 1)[0] for rel in files if "/" in rel}
    parts = {"/".join(f.split("/")[:depth]) for f in folders for depth in range(1, f.count("/") + 2)}
    assert site_files(out) == files
    assert len(parts) == 1 + 4 + 4 + 3  # z; d0–d3 under it; one of e0/e1 under each; d0–d2 at the top
    assert len([p for p in opened if "/" not in p]) == len(parts)  # each opened once, by name in its parent


def test_staging_refuses_a_link_where_a_folder_goes(tmp_path: Path):
    """A link standing where the staging tree needs a folder is never followed: opening fails and
    nothing is made on the other side."""
    root_dir, outside = tmp_path / "staging", tmp_path / "outside"
    root_dir.mkdir()
    outside.mkdir()
    (root_dir / "d1").symlink_to(outside, target_is_directory=True)
    root = outfs.open_root(root_dir)
    folders = outfs.Folders(root)
    try:
        assert os.path.samefile(f"/proc/self/fd/{folders.open(('d0', 'x'))}", root_dir / "d0" / "x")
        with pytest.raises(OSError):
            folders.open(("d1", "y"))
        assert folders.open(("d0", "x")) >= 0  # still usable after the refusal
    finally:
        folders.close()
        os.close(root)
    assert list(outside.iterdir()) == []


def test_an_in_place_write_of_more_files_than_open_descriptors_allowed(place):
    """A change to many files in as many folders (a template change at N = 1,000 rewrites 2,000) holds
    only the current path's folders open, so a low limit of open files (1,024 is common; 256 on
    macOS) is no obstacle: the write once kept a descriptor per changed file until the renames."""
    import resource

    project, source, out = place
    old = {f"d{i}/page.html": f"<p>{i}</p>\n".encode() for i in range(400)} | {
        f"d{i}/data.json": b"{}\n" for i in range(400)}
    write_site(old, out, source, project)
    new = dict(old, **{f"d{i}/page.html": f"<p>new {i}</p>\n".encode() for i in range(400)})
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (min(200, soft), hard))
    try:
        write_site(new, out, source, project)
    finally:
        resource.setrlimit(resource.RLIMIT_NOFILE, (soft, hard))
    assert site_files(out) == new and temps(out) == []
    assert read_manifest(out) == {rel: sha(data) for rel, data in new.items()}


# --- two halves at once ------------------------------------------------------------------


@pytest.mark.parametrize("new", ["in place", "restaged"])
@pytest.mark.parametrize("child", ["works", "raises", "dies"])
def test_a_write_in_two_halves_is_the_write_in_one_whatever_the_child_does(place, monkeypatch, new, child):
    """From PARALLEL_WRITE files the writer places the second half in a forked child; a child that
    fails (an error, killed mid-way) leaves its half to this process, which replaces whatever it left."""
    import archive.output as output
    import archive.warm as warm

    if not warm.can_fork():
        pytest.skip("halves are forked on Linux only")
    project, source, out = place
    old = site_of(40, "old", dirs=7)
    write_site(old, out, source, project)
    files = dict(old, **{f"d{i % 7}/page{i}.html": f"<p>new {i}</p>\n".encode() for i in range(0, 40, 3)},
                 **{"d9/added.html": b"<p>added</p>\n"}) if new == "in place" else site_of(40, "new", dirs=7)
    parent, real_place = os.getpid(), outfs.place_each

    def failing_in_the_child(root, rels, place_one, at, **options):
        if os.getpid() != parent and child != "works":
            real_place(root, rels[:len(rels) // 2], place_one, at, **options)  # half its half, then fails
            if child == "dies":
                os._exit(9)
            raise OSError(errno.EIO, "a failing child")
        return real_place(root, rels, place_one, at, **options)

    halves, real_halves = [], warm.in_halves

    def counted(items, work, again=None, wanted=True):
        halves.append(wanted)
        return real_halves(items, work, again, wanted)

    monkeypatch.setattr(output, "in_halves", counted)
    monkeypatch.setattr(outfs, "place_each", failing_in_the_child)
    monkeypatch.setattr(output, "PARALLEL_WRITE", 1)
    write_site(files, out, source, project)
    assert halves and all(halves)  # written in two halves
    assert tree(out) == dict(files, **{MANIFEST: (out / MANIFEST).read_bytes()}) and temps(out) == []
    assert beside(project) == []
    monkeypatch.setattr(output, "PARALLEL_WRITE", 10**9)
    other = project / "one"
    shutil.copytree(out, other)
    write_site(old, other, source, project)
    write_site(files, other, source, project)  # the same change in one process: the same files
    assert tree(other) == tree(out)
