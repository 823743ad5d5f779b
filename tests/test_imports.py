"""No import circles: in the host package (imports read with ast, at any
depth, including those inside functions) and in the firmware of the emulated
boards (#include "..." between its own files, and calls between its .c files:
a .c file that calls a function defined in another .c must not be called back
by it)."""
import ast
import re
from pathlib import Path

TOP = Path(__file__).resolve().parents[1]
PACKAGE = TOP / 'host' / 'emlearn_micropython'
BOARD = TOP / 'boards' / 'qemu'


def module_name(path):
    parts = path.relative_to(PACKAGE.parent).with_suffix('').parts
    return '.'.join(parts[:-1] if parts[-1] == '__init__' else parts)


def imported(path, modules):
    """The package's modules that one file imports."""
    name = module_name(path)
    package = name if path.name == '__init__.py' else name.rpartition('.')[0]
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            targets = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = package
            for _ in range(node.level - 1):
                base = base.rpartition('.')[0]
            base = f'{base}.{node.module}' if node.level and node.module else \
                base if node.level else node.module
            targets = [base] + [f'{base}.{a.name}' for a in node.names]
        else:
            continue
        found |= {t for t in targets if t in modules and t != name}
    return found


def cycles(graph):
    """Every cycle found by a depth-first walk, as a list of names."""
    found, state = [], {}

    def walk(node, stack):
        state[node] = 'open'
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == 'open':
                found.append(stack[stack.index(nxt):] + [nxt])
            elif nxt not in state:
                walk(nxt, stack + [nxt])
        state[node] = 'done'

    for node in sorted(graph):
        if node not in state:
            walk(node, [node])
    return found


def host_graph():
    paths = sorted(PACKAGE.rglob('*.py'))
    paths = [p for p in paths if 'device' not in p.relative_to(PACKAGE).parts]
    modules = {module_name(p) for p in paths}
    graph = {module_name(p): imported(p, modules) for p in paths}
    # A submodule's parent package runs first: importing a.b imports a.
    for name in modules:
        graph[name] = {m for m in graph[name] if not name.startswith(m + '.')}
    return graph


def test_host_package_has_no_import_cycle():
    graph = host_graph()
    assert graph['emlearn_micropython.targets.qemu'], 'the import reader found nothing'
    assert cycles(graph) == []


def test_cycle_finder_finds_one():
    assert cycles({'a': {'b'}, 'b': {'c'}, 'c': {'a'}}) == [['a', 'b', 'c', 'a']]
    assert cycles({'a': {'b'}, 'b': set()}) == []


def test_board_includes_have_no_cycle():
    files = {p.name: p.read_text() for p in BOARD.glob('*.[ch]')}
    graph = {name: set(re.findall(r'#include "([^"/]+)"', text)) & set(files)
             for name, text in files.items()}
    assert graph['main.c'], 'the include reader found nothing'
    assert cycles(graph) == []


def test_board_c_files_do_not_call_each_other_in_circles():
    """startup.c holds the vectors and Reset_Handler, which calls main();
    hal.c calls nothing in the other files."""
    sources = {p.name: p.read_text() for p in BOARD.glob('*.c')}
    defined = {name: set(re.findall(r'^[a-z][\w \*]*?\b(\w+)\([^;]*\)\s*\{', text, re.M))
               for name, text in sources.items()}
    graph = {}
    for name, text in sources.items():
        calls = set(re.findall(r'\b(\w+)\s*[(,;]', text))
        graph[name] = {other for other, funcs in defined.items()
                       if other != name and funcs & calls}
    assert 'Reset_Handler' in defined['startup.c'] and 'main' in defined['main.c']
    assert graph['hal.c'] == set(), graph['hal.c']
    assert cycles(graph) == []
