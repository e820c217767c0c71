#include "appdetailpane.h"

#include <QHBoxLayout>
#include <QLabel>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QToolButton>
#include <QVBoxLayout>

namespace sextant::ui {

AppDetailPane::AppDetailPane(QWidget* content, QWidget* parent)
    : QWidget(parent)
    , m_content(content)
    , m_banner(new QWidget(this))
    , m_text(new QLabel(m_banner))
    , m_detailsButton(new QToolButton(m_banner))
    , m_retry(new QPushButton(tr("Retry"), m_banner))
    , m_details(new QPlainTextEdit(this)) {
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    auto* bannerLayout = new QHBoxLayout(m_banner);
    bannerLayout->setContentsMargins(6, 4, 6, 4);
    m_text->setObjectName(QStringLiteral("paneBanner"));
    m_text->setWordWrap(true);
    m_text->setTextFormat(Qt::RichText);
    m_text->setTextInteractionFlags(Qt::TextSelectableByMouse);
    bannerLayout->addWidget(m_text, 1);
    m_detailsButton->setText(tr("Details"));
    m_detailsButton->setCheckable(true);
    bannerLayout->addWidget(m_detailsButton, 0, Qt::AlignTop);
    bannerLayout->addWidget(m_retry, 0, Qt::AlignTop);
    layout->addWidget(m_banner);
    m_details->setReadOnly(true);
    m_details->setMaximumHeight(140);
    m_details->setAccessibleName(tr("Error details"));
    m_details->hide();
    layout->addWidget(m_details);
    content->setParent(this);
    layout->addWidget(content, 1);
    layout->addStretch(0);
    connect(m_detailsButton, &QToolButton::toggled, m_details, &QWidget::setVisible);
    connect(m_retry, &QPushButton::clicked, this, &AppDetailPane::retryRequested);
    m_banner->hide();
}

void AppDetailPane::showBanner(const QString& html, const QString& details, bool retry) {
    m_text->setText(html);
    m_banner->setVisible(!html.isEmpty());
    m_details->setPlainText(details);
    m_detailsButton->setVisible(!details.isEmpty());
    m_detailsButton->setChecked(false);
    m_details->hide();
    m_retry->setVisible(retry);
}

void AppDetailPane::setLoading(const QString& text) {
    m_state = State::Loading;
    showBanner(QStringLiteral("<span style='color:gray'>⏳ %1</span>").arg(text.toHtmlEscaped()), {},
               false);
    m_content->hide();
}

void AppDetailPane::setError(const QString& what, const Error& error) {
    m_state = State::Error;
    const QString shortText =
        error.shortMessage.isEmpty() ? tr("unknown error") : error.shortMessage;
    showBanner(QStringLiteral("<span style='color:#d03030'><b>%1</b></span><br>%2")
                   .arg(what.toHtmlEscaped(), shortText.toHtmlEscaped()),
               error.details.isEmpty() ? error.toString() : error.details, true);
    m_content->hide();
}

void AppDetailPane::setMessage(const QString& text) {
    m_state = State::Message;
    showBanner(text, {}, false);
    m_content->hide();
}

void AppDetailPane::setReady(const QString& note, const Error& noteDetails) {
    m_state = State::Ready;
    showBanner(note, noteDetails.isError() ? noteDetails.toString() : QString(), false);
    m_content->show();
}

QString AppDetailPane::bannerText() const {
    return m_banner->isVisible() ? m_text->text() : QString();
}

} // namespace sextant::ui
