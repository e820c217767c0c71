# Fails when services/ or models/ include a Qt Widgets header.
file(GLOB_RECURSE files ${ROOT}/services/*.h ${ROOT}/services/*.cpp ${ROOT}/models/*.h
     ${ROOT}/models/*.cpp)
set(bad "")
foreach(f ${files})
    file(STRINGS ${f} lines REGEX "#include <Q(Widget|MainWindow|Dialog|Application|TableView|PushButton|Label|MessageBox|LineEdit)|#include <QtWidgets")
    if(lines)
        list(APPEND bad "${f}: ${lines}")
    endif()
endforeach()
if(bad)
    message(FATAL_ERROR "Widgets headers in the widget-free core:\n${bad}")
endif()
message(STATUS "layering ok: ${CMAKE_CURRENT_LIST_FILE}")
