"""tox finds every Python that pyenv has installed, not only the selected one.

pyenv's shims answer only for the selected version (`pyenv version`): with 3.11 selected, `python3.9` on
PATH is a shim that fails, so tox (virtualenv's discovery, which walks PATH) finds no Python 3.9 even when
pyenv has it. tox loads this file, beside tox.ini, as an inline plugin (tox >= 4.0, the provisioned 4.5.1
included). It makes virtualenv look in each pyenv version's bin folder after PATH:

- an interpreter on PATH still wins (a selected pyenv version, the system's, conda's ...);
- only discovery sees the longer PATH: the commands' environment is unchanged;
- a Python that is in neither is still an error (skip_missing_interpreters = false), which says how to get it.
"""
import os
import re

from tox.plugin import impl
from tox.tox_env.errors import Fail
from tox.tox_env.python.api import NoInterpreter
from tox.tox_env.python.virtual_env.runner import VirtualEnvRunner


def pyenv_versions():
    """Where pyenv installs Pythons: $PYENV_ROOT/versions, by default ~/.pyenv/versions."""
    return os.path.join(os.environ.get("PYENV_ROOT") or os.path.expanduser("~/.pyenv"), "versions")


def pyenv_bin_folders():
    """The bin folder of each installed version (2.7.18, 3.13.0; not pyenv-virtualenv's envs), newest first."""
    try:
        names = [name for name in os.listdir(pyenv_versions()) if re.match(r"\d+\.\d+", name)]
    except OSError:  # no pyenv
        return []
    names.sort(key=lambda name: [int(number) for number in re.findall(r"\d+", name)], reverse=True)
    return [os.path.join(pyenv_versions(), name, "bin") for name in names]


def version_named(specs):
    """'3.9' for py39 or python3.9: the first spec that names a major and minor version, else None."""
    for spec in specs:
        match = re.search(r"(\d)\.?(\d+)$", os.path.basename(spec))
        if match:
            return "%s.%s" % match.groups()
    return None


class VirtualEnvThenPyenv(VirtualEnvRunner):
    """tox's virtualenv runner, whose discovery looks in pyenv's versions after PATH."""

    @staticmethod
    def id():
        return "virtualenv-then-pyenv"

    def virtualenv_env_vars(self):
        # The environment virtualenv discovers and creates with; environment_variables (the commands') stays.
        env = super().virtualenv_env_vars()
        env["PATH"] = os.pathsep.join([env.get("PATH", os.defpath)] + pyenv_bin_folders())
        return env

    @property
    def base_python(self):
        try:
            return super().base_python
        except NoInterpreter as missing:
            version = version_named(missing.base_pythons) or "X.Y"
            raise Fail("%s, on PATH or in %s: install it, e.g. `pyenv install %s`, or put python%s on PATH"
                       % (missing, pyenv_versions(), version, version)) from None


@impl
def tox_register_tox_env(register):
    register.add_run_env(VirtualEnvThenPyenv)
    register.default_env_runner = VirtualEnvThenPyenv.id()
