//! Spreadsheet exchange of achievements (batch import and export).
