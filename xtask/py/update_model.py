"""Downloads botocore from PyPI (the newest release, or the one given) and extracts the
cognito-idp model files into a directory. Prints the botocore version on the last line.

Used by `cargo xtask update-model`; pip does the download, so pip's index settings apply."""
import gzip
import json
import pathlib
import subprocess
import sys
import tempfile
import zipfile

FILES = ("service-2.json", "paginators-1.json", "endpoint-rule-set-1.json")


def main() -> None:
    out = pathlib.Path(sys.argv[1])
    spec = "botocore" if len(sys.argv) < 3 else f"botocore=={sys.argv[2]}"
    with tempfile.TemporaryDirectory() as tmp:
        subprocess.run(
            [sys.executable, "-m", "pip", "download", spec, "--no-deps",
             "--only-binary=:all:", "--quiet", "-d", tmp],
            check=True,
        )
        wheels = list(pathlib.Path(tmp).glob("botocore-*.whl"))
        if len(wheels) != 1:
            sys.exit(f"expected one botocore wheel, found {wheels}")
        version = wheels[0].name.split("-")[1]
        with zipfile.ZipFile(wheels[0]) as wheel:
            names = wheel.namelist()
            services = sorted(n for n in names if "/data/cognito-idp/" in n)
            api_dir = services[0].rsplit("/", 1)[0] if services else sys.exit("no cognito-idp model in the wheel")
            for name in FILES:
                for candidate in (f"{api_dir}/{name}", f"{api_dir}/{name}.gz"):
                    if candidate in names:
                        data = wheel.read(candidate)
                        if candidate.endswith(".gz"):
                            data = gzip.decompress(data)
                        json.loads(data)  # a model that does not parse is not written
                        (out / name).write_bytes(data)
                        break
                else:
                    sys.exit(f"{name} missing from {api_dir}")
            partitions = wheel.read("botocore/data/partitions.json")
            json.loads(partitions)
            (out / "partitions.json").write_bytes(partitions)
    (out / "BOTOCORE_VERSION").write_text(version + "\n")
    print(version)


if __name__ == "__main__":
    main()
