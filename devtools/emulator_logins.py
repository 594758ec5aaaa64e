"""The panel's login (iMSCP_Authentication) with its brute-force protection: one record
per IP address, counted by every attempt, cleared only by a success in the PHP session
that created it (protocol, "Brute-force protection")."""

import time
from dataclasses import dataclass

from .emulator_names import clean_input, to_ascii


@dataclass
class LoginRecord:
    """The brute-force plugin's row for one IP address (table `login`)."""

    session: str  # the PHP session of the attempt that created it
    count: int = 0
    last: float = 0.0


class PanelLogins:
    """PanelState's logins: it holds `lock`, `settings`, `logins`, `login_records`, `clock`."""

    def authenticate(
        self, name: str, password: str, ip: str, session: str
    ) -> tuple[str | None, object, str]:
        """(user type, user, "") on success, else (None, None, the panel's message).

        `session` is the caller's PHP session id: with brute-force protection on, every
        attempt counts against the IP address, and only a success in the session that
        started the count clears it (protocol, "Brute-force protection"). Checking the
        password takes `login_seconds` (a real panel hashes it), outside the lock: logins
        overlap as they do in a real panel's PHP workers. Call it without holding the lock."""
        with self.lock:
            if self.settings.bruteforce:
                refusal = self._bruteforce_refusal(ip)
                if refusal:
                    return None, None, refusal
                record = self.login_records.setdefault(ip, LoginRecord(session))
                record.count, record.last = record.count + 1, self.clock()
        if self.settings.login_seconds:
            time.sleep(self.settings.login_seconds)
        with self.lock:
            name, password = clean_input(name), clean_input(password)
            messages = []
            if not name:
                messages.append("The username field is empty.")
            if not password:
                messages.append("The password field is empty.")
            kind, user = self.logins.get(to_ascii(name.lower()) or "", (None, None))
            if not messages and user is None:
                messages = ["Unknown username."]
            elif not messages and user.password != password:
                messages = ["Bad password."]
            if messages:
                return None, None, " - ".join(messages)
            record = self.login_records.get(ip)
            if record is not None and record.session == session:
                del self.login_records[ip]
            return kind, user, ""

    def _bruteforce_refusal(self, ip: str) -> str:
        """The plugin's refusal for an address that must wait or is blocked, else ""."""
        settings, now = self.settings, self.clock()
        record = self.login_records.get(ip)
        block = settings.bruteforce_block_time * 60
        if record is not None and now - record.last >= block:
            del self.login_records[ip]  # old enough to be forgotten
            return ""
        if record is None:
            return ""
        if record.count >= settings.bruteforce_max_login:
            left, state = block - (now - record.last), "is blocked for {} minutes."
        elif record.count >= settings.bruteforce_max_attempts_before_wait and (
            now - record.last < settings.bruteforce_between_time
        ):
            left = settings.bruteforce_between_time - (now - record.last)
            state = "is waiting {} seconds."
        else:
            return ""
        left = int(left + 0.999)
        mmss = f"{left // 60 % 60:02d}:{left % 60:02d}"  # PHP strftime('%M:%S')
        who = f"{ip} IP address" if settings.bruteforce_style == "1.2" else f"Ip {ip}"
        return f"{who} {state.format(mmss)}"
