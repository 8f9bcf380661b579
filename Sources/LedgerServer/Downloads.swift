import Foundation
import Hummingbird
import HummingbirdCore
import LedgerCore
import LedgerStore
import Logging
import NIOCore

/// A file to save (text such as CSV or HTML, or bytes such as a workbook); with a name it downloads as an attachment.
func download(_ text: String, type: String, name: String?) -> Response {
    download(Data(text.utf8), type: type, name: name)
}

func download(_ bytes: Data, type: String, name: String?) -> Response {
    var headers: HTTPFields = [.contentType: type]
    if let name { headers[.contentDisposition] = "attachment; filename=\"\(name)\"" }
    return Response(status: .ok, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(bytes: bytes)))
}

/// `text` as one segment of a page's path (a system code, a resource code's `/` kept as the routes expect).
func pathSegment(_ text: String) -> String { text.addingPercentEncoding(withAllowedCharacters: .urlPathAllowed) ?? text }

/// The page of a catalog resource: its code's `/` sent as `%2F`, as the `/resources/:code` routes read it.
func resourcePath(_ code: String) -> String { "/resources/" + (pathSegment(code).replacingOccurrences(of: "/", with: "%2F")) }

/// `text` as the value of a query parameter (everything but letters and digits escaped).
func queryValue(_ text: String) -> String { text.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? "" }

/// The address the client reached the server at (`http://host:port`), for links and IRIs in answers.
func baseURL(of request: Request) -> String { "http://\(request.head.authority ?? "localhost")" }
