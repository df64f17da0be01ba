namespace HelmUnstick.Sandbox;

internal static class KubeJson
{
    public const string ContentType = "application/json";

    /// <summary>Writes the body as UTF-8 straight into the response, without a string of it first (lists can be megabytes).</summary>
    public static async Task WriteAsync(HttpContext context, int statusCode, JsonNode body, string contentType = ContentType)
    {
        context.Response.StatusCode = statusCode;
        context.Response.ContentType = contentType;
        using (var writer = new Utf8JsonWriter(context.Response.BodyWriter))
        {
            body.WriteTo(writer);
        }

        await context.Response.BodyWriter.FlushAsync(context.RequestAborted);
    }

    public static async Task<JsonNode?> ReadBodyAsync(HttpContext context)
    {
        try
        {
            return await JsonNode.ParseAsync(context.Request.Body, cancellationToken: context.RequestAborted);
        }
        catch (JsonException e)
        {
            throw ApiErrors.BadRequest($"the body of the request could not be decoded as JSON: {e.Message}");
        }
    }
}
