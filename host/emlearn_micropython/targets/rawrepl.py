"""MicroPython's raw REPL over one open mpremote transport, kept for a whole
session: a soft reset before each script instead of a new connection."""


class RawRepl:
    def __init__(self, transport):
        self.transport = transport
        self._prompt_read = False

    def close(self):
        try:
            self.transport.serial.close()
        except Exception:
            pass

    def soft_reset(self):
        """A fresh VM in the raw REPL (files in the store stay)."""
        self.transport.enter_raw_repl(soft_reset=True)
        self._prompt_read = False

    def exec(self, code, timeout):
        """Run code in the raw REPL (raw-paste mode): (stdout, stderr) as text."""
        from mpremote.transport import TransportError
        t = self.transport
        if not self._prompt_read and not t.read_until(1, b'>').endswith(b'>'):
            raise TransportError('no raw REPL prompt')
        self._prompt_read = False
        t.serial.write(b'\x05A\x01')
        if t.serial.read(2) != b'R\x01':
            raise TransportError('the board has no raw-paste mode')
        t.raw_paste_write(code.encode() if isinstance(code, str) else code)
        out, err = self._follow(timeout)
        return (out.decode(errors='replace').replace('\r\n', '\n'),
                err.decode(errors='replace').replace('\r\n', '\n'))

    def _follow(self, timeout):
        """The output and error output of the running code, each ending in
        Ctrl-D. Reads the socket in blocks: mpremote's follow() takes one
        byte per call, which costs seconds for a megabyte of results."""
        import select
        from mpremote.transport import TransportError
        sock = self.transport.serial._socket
        data = bytearray()
        while data.count(b'\x04') < 2:
            ready, _, _ = select.select([sock], [], [], timeout)
            if not ready:
                raise TransportError('timeout waiting for the end of the output')
            chunk = sock.recv(1 << 16)
            if not chunk:
                raise OSError(f'the board closed the connection after {bytes(data[-300:])!r}')
            data += chunk
        out, err, rest = bytes(data).split(b'\x04', 2)
        if rest.strip(b'>'):
            raise TransportError(f'unexpected output after the script: {rest[:100]!r}')
        # The raw REPL prompt '>' follows; the next exec waits for it
        # unless it came in this block.
        self._prompt_read = rest == b'>'
        return out, err
