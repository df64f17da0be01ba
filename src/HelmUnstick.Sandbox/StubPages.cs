namespace HelmUnstick.Sandbox;

/// <summary>Page links for the CI stubs, which both page by number the way GitLab and GitHub do.</summary>
internal static class StubPages
{
    /// <summary>The request's own URL with <c>page</c> set to <paramref name="page"/>, every other query parameter kept.</summary>
    public static string PageUrl(HttpContext http, int page)
    {
        var query = http.Request.Query
            .Where(q => q.Key != "page")
            .SelectMany(q => q.Value.Select(v => $"{Uri.EscapeDataString(q.Key)}={Uri.EscapeDataString(v ?? "")}"))
            .Append($"page={page}");
        return $"{http.Request.Scheme}://{http.Request.Host}{http.Request.PathBase}{http.Request.Path}?{string.Join("&", query)}";
    }
}
