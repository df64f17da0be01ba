namespace HelmUnstick.Core.Credentials;

/// <summary>API server URLs as they may be shown, stored and compared: never with the user info a kubeconfig may hold.</summary>
public static class ServerUrl
{
    /// <summary><c>https://admin:PASSWORD@host:6443/</c> becomes <c>https://host:6443</c>; anything unparsable stays as is.</summary>
    public static string WithoutUserInfo(string url)
    {
        if (!url.Contains("://", StringComparison.Ordinal) || !Uri.TryCreate(url, UriKind.Absolute, out var uri))
        {
            // Not a URL: still never let "user:password@" through.
            var at = url.LastIndexOf('@');
            var scheme = url.IndexOf("://", StringComparison.Ordinal);
            return at > scheme ? url[..(scheme >= 0 ? scheme + 3 : 0)] + url[(at + 1)..] : url;
        }

        return uri.GetComponents(UriComponents.AbsoluteUri & ~UriComponents.UserInfo, UriFormat.UriEscaped).TrimEnd('/');
    }

    /// <summary>Whether two server URLs name the same API server, whatever user info, case or trailing slash they carry.</summary>
    public static bool Same(string a, string b) =>
        string.Equals(WithoutUserInfo(a), WithoutUserInfo(b), StringComparison.OrdinalIgnoreCase);
}
