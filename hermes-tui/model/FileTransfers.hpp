#pragma once
// hermes-tui's files on their way (docs/PROTOCOL.md "Files"): the uploads
// (/upload, a paste sent as a snippet) and the one download (/download) of
// this connection, driven by the hub's frames; chunks go out as the hub's
// window allows, through HubActions::sendFrame. What the status bar shows
// of them (status()), and the lines to tell the user when one ends.
//
// A cut connection fails the uploads (the hub dropped them); a download
// keeps its <path>.part, and /download again resumes it.
//
// Threading: the UI thread (ChatModel's).

#include <cstdint>
#include <list>
#include <optional>
#include <string>
#include <vector>

#include "hermes/client/FileDownload.hpp"
#include "hermes/client/FileUpload.hpp"
#include "hermes/v1/hermes.pb.h"
#include "model/HubActions.hpp"

namespace hermes::tui {

class FileTransfers {
public:
    explicit FileTransfers(HubActions& hub) : hub_(hub) {}

    struct Note {
        std::string room;  // the window to tell (empty: the status window)
        bool error = false;
        std::string text;
    };

    // Each starts a transfer and returns the line to show: what started, or
    // why not (error).
    Note upload(const std::string& room, const std::string& path);
    Note uploadSnippet(const std::string& room, std::string text, std::string name);
    Note download(const std::string& room, std::uint64_t seq, const std::string& path);

    // A hub frame: true if it was about a transfer (then `notes` may say it
    // ended). A FILE message or an Error about an upload is also the
    // room's to show; the caller decides.
    bool handle(const hermes::v1::Envelope& envelope, std::vector<Note>& notes);
    // Sends the chunks the windows allow; true while one waits for the
    // client's send queue (call again shortly).
    bool pump();
    // The connection ended: uploads failed, the download stops (resumable).
    void connectionLost(std::vector<Note>& notes);

    bool active() const { return !uploads_.empty() || download_.has_value(); }
    // "up report.pdf 45%  down x.bin 12%", empty when nothing moves.
    std::string status() const;

private:
    struct Upload {
        std::string room;
        hermes::client::FileUpload file;
    };
    HubActions& hub_;
    std::list<Upload> uploads_;  // a list: FileUpload moves but does not assign
    std::optional<hermes::client::FileDownload> download_;
    std::string downloadRoom_;
};

}  // namespace hermes::tui
