#pragma once

#include "core/error.h"

#include <QWidget>

class QLabel;
class QPlainTextEdit;
class QPushButton;
class QToolButton;

namespace sextant::ui {

// One section of the application detail view: a banner that says what is happening (loading,
// an error with its details, an empty result) above the section's content. No fetch ever ends
// in a silently empty pane.
class AppDetailPane : public QWidget {
    Q_OBJECT
public:
    enum class State { Idle, Loading, Error, Message, Ready };

    AppDetailPane(QWidget* content, QWidget* parent = nullptr);

    void setLoading(const QString& text);
    // "Could not load …: <shortMessage>", with the details behind a button and a Retry button.
    void setError(const QString& what, const Error& error);
    // An informational message instead of the content (e.g. "No events").
    void setMessage(const QString& text);
    // Shows the content; `note` (optional) stays above it, e.g. partial failures.
    void setReady(const QString& note = {}, const Error& noteDetails = {});

    State state() const { return m_state; }
    QString bannerText() const;
    QWidget* content() const { return m_content; }

Q_SIGNALS:
    void retryRequested();

private:
    void showBanner(const QString& html, const QString& details, bool retry);

    State m_state = State::Idle;
    QWidget* m_content;
    QWidget* m_banner;
    QLabel* m_text;
    QToolButton* m_detailsButton;
    QPushButton* m_retry;
    QPlainTextEdit* m_details;
};

} // namespace sextant::ui
