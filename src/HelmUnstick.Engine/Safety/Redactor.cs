using System.Collections.Concurrent;
using System.Text;
using System.Text.RegularExpressions;

namespace HelmUnstick.Engine.Safety;

/// <summary>
/// The one place that takes credentials out of text before it is printed, written to a report or appended to the
/// audit log: the user info of any URL (<c>https://admin:PASSWORD@host</c>), and every credential this run has
/// loaded (kubeconfig tokens, passwords and client keys, CI tokens), wherever it shows up, an API server's error
/// text that echoes it included. Every output path of the CLI writes through it.
/// </summary>
internal sealed partial class Redactor
{
    public const string Mask = "[redacted]";

    /// <summary>Shorter values are not looked for: they would mask ordinary words (a URL's user info is removed whatever its length).</summary>
    public const int MinimumLength = 6;

    private readonly ConcurrentDictionary<string, byte> _credentials = new(StringComparer.Ordinal);

    /// <summary>Remembers a credential to mask from now on; null, empty and short values are ignored.</summary>
    public void Add(string? credential)
    {
        if (credential?.Trim() is { Length: >= MinimumLength } value)
        {
            _credentials.TryAdd(value, 0);
        }
    }

    public string Redact(string text)
    {
        if (text.Contains("://", StringComparison.Ordinal))
        {
            text = UserInfo().Replace(text, "");
        }

        // Longest first: a token that contains another is masked whole.
        foreach (var credential in _credentials.Keys.OrderByDescending(c => c.Length))
        {
            text = text.Replace(credential, Mask, StringComparison.Ordinal);
        }

        return text;
    }

    /// <summary>The <c>user:password@</c> right after a URL's scheme.</summary>
    [GeneratedRegex("(?<=\\b[a-zA-Z][a-zA-Z0-9+.-]*://)[^\\s/?#@\"'<>]*@", RegexOptions.CultureInvariant)]
    private static partial Regex UserInfo();

    /// <summary>A writer that masks each line before passing it on (standard error; every write to it ends a line).</summary>
    public TextWriter Writer(TextWriter inner) => new RedactingWriter(inner, this);

    private sealed class RedactingWriter(TextWriter inner, Redactor redactor) : TextWriter
    {
        private readonly StringBuilder _line = new();

        public override Encoding Encoding => inner.Encoding;

        public override void Write(char value)
        {
            lock (_line)
            {
                _line.Append(value);
                if (value == '\n')
                {
                    FlushLine();
                }
            }
        }

        public override void Write(string? value)
        {
            lock (_line)
            {
                _line.Append(value);
                if (value?.Contains('\n', StringComparison.Ordinal) == true)
                {
                    FlushLine();
                }
            }
        }

        public override void Flush()
        {
            lock (_line)
            {
                FlushLine();
                inner.Flush();
            }
        }

        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                Flush();
            }

            base.Dispose(disposing);
        }

        private void FlushLine()
        {
            if (_line.Length > 0)
            {
                inner.Write(redactor.Redact(_line.ToString()));
                _line.Clear();
            }
        }
    }
}
